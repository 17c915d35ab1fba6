"""What the store keeps and what it erases: every earlier version of a node
(``versions``, for as-of lineage) and deleted nodes (``tombstones``, with purge)."""
