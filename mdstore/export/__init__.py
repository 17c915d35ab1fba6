"""Auditor exports: pictures (graphviz), GraphML, W3C PROV, OpenLineage, signed bundles.

(Filled by the export work.)
"""
