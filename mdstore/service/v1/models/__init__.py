"""``mdstore.v1`` model registry: models, versions computed from lineage, aliases,
deployments and annotations (rules in ``mdstore.versioning``, rows in
``mdstore.store.registry``)."""
