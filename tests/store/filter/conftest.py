"""Fixtures of the filter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.filter_queries import CasesDatabase, open_cases_database


@pytest.fixture(scope="module")
def cases_database() -> Iterator[CasesDatabase]:
    """tests/compat/filter_cases.py's data in an in-memory SQLite store."""
    made = open_cases_database()
    yield made
    made.service.close()
