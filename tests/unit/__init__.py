"""Unit tests: no server, no database beyond in-memory SQLite."""
