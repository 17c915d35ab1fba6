"""Model versions: semantic-version rules, aliases and deployments; no SQL.

(Filled by the model registry.)
"""
