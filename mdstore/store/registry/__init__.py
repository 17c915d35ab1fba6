"""Rows of the model registry: models and their policies, versions, alias changes,
deployments and annotations.

History rows (policies, versions, alias changes, annotations) are only ever
inserted: nothing here updates or deletes them. Deployments are updated once,
when they stop.
"""
