"""Which role each method needs: the policy ``mdstore serve --tokens-file`` enforces."""

from __future__ import annotations

from mdstore.service.registry import resolve

# mdstore.v1 writes that change what others rely on: admin only.
ADMIN_METHODS: frozenset[str] = frozenset(
    {
        "Delete",
        "GarbageCollect",
        "SetAlias",
        "Deploy",
        "StopDeployment",
        "SetModelPolicy",
        "AdoptUnrecordedRows",
    }
)


def required_role(method: str) -> str:
    """The least role that may call a method: "reader" (reads, lineage, audit),
    "writer" (also puts and registrations) or "admin" (also ADMIN_METHODS).

    Raises:
        UnimplementedError: no such method is served.
    """
    name, handler = resolve(method)
    if name.rsplit("/", 1)[-1] in ADMIN_METHODS:
        return "admin"
    return "writer" if handler.audited else "reader"
