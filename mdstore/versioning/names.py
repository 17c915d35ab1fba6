"""Model names, aliases and model URIs (``models:/NAME/1.2.0``, ``@alias``, ``/latest``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mdstore.errors import InvalidArgumentError
from mdstore.versioning.semver import Version, parse_version

SCHEME: Final = "models:/"
LATEST: Final = "latest"
NAME_LENGTH: Final = 255
_NAME = re.compile(r"[^/@\s][^/@]*")
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,62}")


def check_name(name: str) -> str:
    """A model name: 1 to 255 characters, no ``/`` or ``@``, not starting with a space.

    Raises:
        InvalidArgumentError: it is not.
    """
    if not name or len(name) > NAME_LENGTH or _NAME.fullmatch(name) is None:
        raise InvalidArgumentError(
            f"invalid model name {name!r}: 1 to {NAME_LENGTH} characters without '/' or '@'"
        )
    return name


def check_alias(alias: str) -> str:
    """An alias: a letter, then letters, digits, ``_ . -`` (at most 63); not ``latest``.

    Raises:
        InvalidArgumentError: it is not.
    """
    if _ALIAS.fullmatch(alias) is None or alias == LATEST:
        raise InvalidArgumentError(
            f"invalid alias {alias!r}: a letter, then letters, digits, '_', '.' or '-'"
            f" (at most 63), and not {LATEST!r}"
        )
    return alias


@dataclass(frozen=True)
class ModelUri:
    """A parsed model URI: the name and exactly one of version, alias or latest."""

    name: str
    version: Version | None = None
    alias: str | None = None

    @property
    def latest(self) -> bool:
        """Whether it asks for the latest version."""
        return self.version is None and self.alias is None

    def __str__(self) -> str:
        if self.alias is not None:
            return f"{SCHEME}{self.name}@{self.alias}"
        return f"{SCHEME}{self.name}/{self.version if self.version else LATEST}"


def parse_uri(uri: str) -> ModelUri:
    """``models:/NAME/1.2.0``, ``models:/NAME@ALIAS`` or ``models:/NAME/latest``.

    Raises:
        InvalidArgumentError: anything else, with the forms that are accepted.
    """
    forms = f"expected {SCHEME}NAME/1.2.0, {SCHEME}NAME@ALIAS or {SCHEME}NAME/{LATEST}"
    if not uri.startswith(SCHEME):
        raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}")
    rest = uri[len(SCHEME) :]
    if "@" in rest:
        name, _, alias = rest.partition("@")
        if "/" in alias or "@" in alias:
            raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}")
        return ModelUri(_checked(name, uri, forms), alias=_alias_of(alias, uri, forms))
    name, slash, version = rest.partition("/")
    if not slash:
        raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}")
    name = _checked(name, uri, forms)
    if version == LATEST:
        return ModelUri(name)
    try:
        return ModelUri(name, version=parse_version(version))
    except InvalidArgumentError:
        raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}") from None


def _checked(name: str, uri: str, forms: str) -> str:
    try:
        return check_name(name)
    except InvalidArgumentError:
        raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}") from None


def _alias_of(alias: str, uri: str, forms: str) -> str:
    try:
        return check_alias(alias)
    except InvalidArgumentError:
        raise InvalidArgumentError(f"malformed model URI {uri!r}: {forms}") from None
