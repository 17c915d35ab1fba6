"""Model versions: the semantic-version rules, names and URIs, deployment patterns; no SQL.

``rules`` decides MAJOR.MINOR.PIPELINE from facts the service gathers (the
lineage diff, the training data's schema and target, the metric); ``policy`` is
what a registered model decides with; ``names`` parses model URIs.
"""
