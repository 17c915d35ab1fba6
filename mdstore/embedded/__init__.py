"""The embedded API: ``store.MetadataStore``, ml_metadata's Python client without a server.

Import it as ``mdstore.MetadataStore``; ``list_options`` (``mdstore.ListOptions``)
loads no database code.
"""
