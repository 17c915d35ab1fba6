"""A real scikit-learn training pipeline that reports every step to a metadata store.

Steps: ingest -> validate -> split -> train -> evaluate -> push, on the Wisconsin
breast-cancer dataset that ships inside scikit-learn (no downloads). Every step reads
and writes real files (CSV, JSON, joblib) under a working directory and reports what
it read and wrote through the client API, so the store ends up with real digests,
schemas, pipeline fingerprints and metrics.

Modules:
    data: the source files (two versions of the dataset) and the CSV tables.
    steps: the six steps, plain functions over files, no metadata code.
    runs: the four runs and the fingerprints of a pipeline definition.
    pipeline: the steps wired together, reporting through a client.
"""
