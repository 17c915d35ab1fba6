"""Reads and writes of rows, one module per entity.

Rows become ``ml_metadata`` messages here, once: nodes and events are parsed from
their stored blobs (``blobs``), types from their joined rows (``types``).
"""
