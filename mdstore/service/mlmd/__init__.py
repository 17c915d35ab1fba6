"""Handlers of the 52 ml_metadata.MetadataStoreService methods, by subject."""
