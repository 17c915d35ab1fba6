"""Versions MAJOR.MINOR.PIPELINE and how a bump moves them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mdstore.errors import InvalidArgumentError

INITIAL: Final = "initial"
MAJOR: Final = "major"
MINOR: Final = "minor"
PIPELINE: Final = "pipeline"
BUMPS: Final = (MAJOR, MINOR, PIPELINE)
"""The bumps a caller may ask for, most significant first."""

_VERSION = re.compile(r"(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})")


@dataclass(frozen=True, order=True)
class Version:
    """A model version; orders as semantic versions do."""

    major: int
    minor: int
    pipeline: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.pipeline}"

    def bumped(self, bump: str) -> Version:
        """The next version after a ``bump`` (one of ``BUMPS``)."""
        if bump == MAJOR:
            return Version(self.major + 1, 0, 0)
        if bump == MINOR:
            return Version(self.major, self.minor + 1, 0)
        if bump == PIPELINE:
            return Version(self.major, self.minor, self.pipeline + 1)
        raise InvalidArgumentError(f"unknown bump {bump!r}: expected one of {', '.join(BUMPS)}")


FIRST: Final = Version(1, 0, 0)


def parse_version(text: str) -> Version:
    """``"1.2.0"`` as a Version.

    Raises:
        InvalidArgumentError: not three dot-separated numbers without leading zeros.
    """
    found = _VERSION.fullmatch(text.strip())
    if found is None:
        raise InvalidArgumentError(
            f"malformed version {text!r}: expected MAJOR.MINOR.PIPELINE, e.g. 1.2.0"
        )
    major, minor, pipeline = (int(part) for part in found.groups())
    return Version(major, minor, pipeline)
