"""Handlers of mdstore.v1, mdstore's own service."""
