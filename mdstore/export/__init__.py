"""Exports of a lineage: pictures (graphviz), GraphML (networkx), W3C PROV (``prov``),
OpenLineage run events (``openlineage-python``) and CycloneDX ML-BOMs
(``cyclonedx-python-lib``).

Each writer reads one ``Lineage`` (ml_metadata messages and tombstones as the
store answered them) and returns bytes; ``files`` fetches a lineage and picks the
writer of a format by name.
"""
