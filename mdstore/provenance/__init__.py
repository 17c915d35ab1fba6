"""Provenance questions over lineage the store extracted: trace, impact, path, diff, as-of.

networkx over subgraphs; no SQL. (Filled by the provenance engine.)
"""
