"""SHA-256 digests of local file and directory artifacts.

An artifact whose URI names a local path (``file:///data/x.csv``, or a bare absolute
path) gets its content digest as the custom property ``sha256``, so lineage can
prove which bytes a model was made from. A file is hashed in chunks (never read
whole); a directory's digest is the SHA-256 of its files' relative paths and digests,
sorted by path, so it changes when any file's content or name changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

CHUNK_BYTES = 1 << 20


def local_path(uri: str | None) -> Path | None:
    """The local path a URI names, or None for remote URIs (``s3://``, ``gs://``...)."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            return None  # file://otherhost/... is not ours to read
        return Path(url2pathname(unquote(parsed.path)))
    if parsed.scheme == "" and os.path.isabs(uri):
        return Path(uri)
    return None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def directory_sha256(path: Path) -> str:
    """Hex SHA-256 over ``relative/path<TAB>file digest`` lines, sorted by path."""
    lines = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in files:
            file = Path(root, name)
            if file.is_file():
                lines.append(f"{file.relative_to(path).as_posix()}\t{file_sha256(file)}\n")
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
    return digest.hexdigest()


def uri_sha256(uri: str | None) -> str | None:
    """The digest of the local file or directory a URI names; None when there is none."""
    path = local_path(uri)
    if path is None:
        return None
    if path.is_file():
        return file_sha256(path)
    if path.is_dir():
        return directory_sha256(path)
    return None
