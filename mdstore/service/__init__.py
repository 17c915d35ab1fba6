"""Request handlers: one explicit table (``registry``), one way to run them (``dispatch``).

``mlmd`` handles the 52 ``ml_metadata.MetadataStoreService`` methods, ``v1``
mdstore's own. Handlers parse requests and build responses; the rows come from
``mdstore.store``.
"""
