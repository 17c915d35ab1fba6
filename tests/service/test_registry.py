"""The handler table: every served method has exactly one handler, findable by grep.

The methods come from the service descriptors (mdstore/proto/descriptor_set.binpb),
never from a list here, so a method added to a .proto is named below until its
handler is in mdstore/service/registry.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mdstore.errors import UnimplementedError
from mdstore.service import registry
from mdstore.service.registry import HANDLERS, resolve
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods

MLMD_METHODS = [name for name, _, _ in service_methods(MLMD_SERVICE)]
V1_METHODS = [name for name, _, _ in service_methods(MDSTORE_SERVICE)]
SERVED = [f"{MLMD_SERVICE}/{n}" for n in MLMD_METHODS] + [
    f"{MDSTORE_SERVICE}/{n}" for n in V1_METHODS
]
REGISTRY_SOURCE = Path(registry.__file__).read_text()


def test_every_ml_metadata_method_has_a_handler() -> None:
    assert len(MLMD_METHODS) == 52
    missing = [name for name in MLMD_METHODS if f"{MLMD_SERVICE}/{name}" not in HANDLERS]
    assert missing == []


def test_every_mdstore_v1_method_has_a_handler() -> None:
    assert "GetServerInfo" in V1_METHODS
    missing = [name for name in V1_METHODS if f"{MDSTORE_SERVICE}/{name}" not in HANDLERS]
    assert missing == [], f"in mdstore.v1's proto but not in the registry: {missing}"


def test_every_handler_serves_a_method_of_its_service() -> None:
    assert sorted(set(HANDLERS) - set(SERVED)) == []


@pytest.mark.parametrize("method", SERVED, ids=lambda m: m.rsplit("/", 1)[-1])
def test_the_method_name_appears_once_quoted_on_its_handler_line(method: str) -> None:
    """So ``grep -rn '"GetArtifactsByID"' mdstore/`` lands on the handler's line."""
    name = method.rsplit("/", 1)[-1]
    lines = [line for line in REGISTRY_SOURCE.splitlines() if f'"{name}"' in line]
    assert len(lines) == 1, f'"{name}" is on {len(lines)} lines of {registry.__file__}'
    assert REGISTRY_SOURCE.count(f'"{name}"') == 1
    handler = HANDLERS.get(method)
    assert handler is not None, f"{method} has no handler"
    assert re.search(rf"\b{handler.function.__name__}\b", lines[0]), lines[0]


@pytest.mark.parametrize("method", sorted(HANDLERS), ids=lambda m: m.rsplit("/", 1)[-1])
def test_handlers_are_named_functions(method: str) -> None:
    function = HANDLERS[method].function
    assert callable(function)
    assert function.__name__ not in ("handler", "<lambda>"), method
    assert function.__module__.startswith("mdstore.service."), function.__module__


@pytest.mark.parametrize("method", sorted(HANDLERS), ids=lambda m: m.rsplit("/", 1)[-1])
def test_reads_run_read_only_and_writes_do_not(method: str) -> None:
    # A read-only handler runs in autocommit on PostgreSQL: a write there would not
    # be atomic.
    name = method.rsplit("/", 1)[-1]
    if name.startswith("Get"):
        assert HANDLERS[method].read_only, method
    elif name.startswith("Put"):
        assert not HANDLERS[method].read_only, method


@pytest.mark.parametrize("method", sorted(HANDLERS), ids=lambda m: m.rsplit("/", 1)[-1])
def test_resolve_takes_the_full_and_the_bare_name(method: str) -> None:
    assert resolve(method) == (method, HANDLERS[method])
    assert resolve(method.rsplit("/", 1)[-1]) == (method, HANDLERS[method])


@pytest.mark.parametrize(
    "method",
    [
        "NoSuchMethod",
        f"{MLMD_SERVICE}/NoSuchMethod",
        f"{MDSTORE_SERVICE}/GetArtifactsByID",  # a method of the other service
        f"{MLMD_SERVICE}/GetServerInfo",
        "",
        "getartifactsbyid",
    ],
)
def test_resolve_refuses_unknown_methods(method: str) -> None:
    with pytest.raises(UnimplementedError, match=f"^{re.escape(method)} is not implemented$"):
        resolve(method)


def _snake(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def test_every_ml_metadata_method_is_exercised_by_the_contract_suite() -> None:
    """Each of the 52 methods is called in tests/service: by name (``caller.call``)
    or through its ``MetadataStore`` method (``get_artifacts_by_id``), called or
    named for ``getattr``."""
    here = Path(__file__)
    sources = "".join(p.read_text() for p in here.parent.glob("test_*.py") if p != here)
    untested = [
        name
        for name in MLMD_METHODS
        if not any(
            form in sources for form in (f'"{name}"', f".{_snake(name)}(", f'"{_snake(name)}"')
        )
    ]
    assert untested == []
