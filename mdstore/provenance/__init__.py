"""Provenance questions over lineage the store extracted: trace, impact, path, diff.

Pure analyses with networkx: no database, no SQL, no gRPC. ml_metadata messages
in, ``mdstore.v1`` messages out.

* ``graph``: ``NodeId`` and ``LineageGraph`` (the only networkx user), walks and links.
* ``summary``: a trace page's sources, steps and code references (``code_refs``).
* ``impact``: the end products downstream of a node, with a shortest chain to each.
* ``paths``: the chains between two nodes, shortest first.
* ``diff``: two artifacts' upstream lineages compared node by node by role (``roles``).
* ``values``: what is read from properties (parameters, digests), shared by all.
"""
