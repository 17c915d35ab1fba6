"""Lineage in SQL: walks over events (``walk``), and the graphs they reach (``graph``)."""
