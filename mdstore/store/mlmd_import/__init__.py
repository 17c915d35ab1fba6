"""Adopting an ML Metadata database: ``source`` reads the schema ml-metadata
1.14–1.17 writes (version 10) read-only, ``convert`` turns its rows into the
messages mdstore stores, ``load`` writes them with their ids kept, and ``run``
drives the import batch by batch (resumable) and verifies it table by table."""
