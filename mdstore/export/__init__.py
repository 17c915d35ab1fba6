"""Exports of a lineage: pictures (graphviz), GraphML (networkx) and W3C PROV (``prov``).

Each writer reads one ``Lineage`` (ml_metadata messages and tombstones as the
store answered them) and returns bytes; ``lineage.formats`` names what exists.
"""
