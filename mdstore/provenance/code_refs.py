"""Which property names identify code or a pipeline: the trace summary's ``code``.

A name is split into lower-case words at ``_ - . / :``, spaces and camelCase
boundaries (``gitCommitSHA`` -> git, commit, sha; ``pipeline.version`` ->
pipeline, version; ``sha256`` stays one word). It names code when

* one of its words names code by itself: ``git``, ``commit``, ``sha``, ``revision``,
  ``rev``, ``branch``, ``repo``, ``repository``, ``vcs``, ``docker``, ``dockerfile``,
  ``container``, ``entrypoint``, ``script``, ``codebase``
  (``git_commit``, ``docker_image``, ``training_script``); or
* a subject word is followed right away by one of its qualifiers:

  ============ ===============================================================
  subject      qualifiers
  ============ ===============================================================
  code         version, revision, hash, sha, ref, tag, url, uri, path, file,
               location, id
  source, src  version, revision, hash, sha, ref, tag, code
  pipeline     name, version, id, spec, definition, tag, revision
  module       file, path, name, version
  package      name, version
  image        name, uri, url, tag, digest, ref, id, version
  entry        point
  ============ ===============================================================

  (``source_version``, ``pipeline_name``, ``kfp.pipeline_id``, ``module_file``,
  ``image_tag``, ``entry_point``; but not ``pipeline_run_id``); or
* it is the single word ``image`` (a container image, as in Kubeflow) or ``code``.

So ``image_size``, ``exit_code``, ``source_path``, ``pipeline_root``, ``sha256``
and ``learning_rate`` are not code: a hyperparameter or a data location must not
look like a commit. Digest words (sha256, md5...) are one word each and name no
code. Only string and int values count (rendered as text; empty strings are
skipped): a float or a struct is no code identifier.
"""

from __future__ import annotations

import functools
import re
from typing import Final

_WORD: Final = re.compile(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+")

CODE_WORDS: Final = frozenset(
    {
        "git",
        "commit",
        "sha",
        "revision",
        "rev",
        "branch",
        "repo",
        "repository",
        "vcs",
        "docker",
        "dockerfile",
        "container",
        "entrypoint",
        "script",
        "codebase",
    }
)
"""Words that make a name a code reference by themselves."""

_VERSIONS: Final = frozenset({"version", "revision", "hash", "sha", "ref", "tag"})

QUALIFIED_WORDS: Final = {
    "code": _VERSIONS | {"url", "uri", "path", "file", "location", "id"},
    "source": _VERSIONS | {"code"},
    "src": _VERSIONS | {"code"},
    "pipeline": frozenset({"name", "version", "id", "spec", "definition", "tag", "revision"}),
    "module": frozenset({"file", "path", "name", "version"}),
    "package": frozenset({"name", "version"}),
    "image": frozenset({"name", "uri", "url", "tag", "digest", "ref", "id", "version"}),
    "entry": frozenset({"point"}),
}
"""Subject words that make a name a code reference when a qualifier comes next."""

SINGLE_WORDS: Final = frozenset({"image", "code"})
"""Words that are a code reference when they are the whole name."""


def words(name: str) -> tuple[str, ...]:
    """The lower-case words of a snake_case, kebab-case, dotted or camelCase name."""
    return tuple(word.lower() for word in _WORD.findall(name))


@functools.lru_cache(maxsize=4096)
def names_code(name: str) -> bool:
    """Whether a property name identifies code or a pipeline (see the module doc)."""
    found = words(name)
    if not found:
        return False
    if len(found) == 1 and found[0] in SINGLE_WORDS:
        return True
    if not CODE_WORDS.isdisjoint(found):
        return True
    return any(
        following in QUALIFIED_WORDS.get(word, ())
        for word, following in zip(found, found[1:], strict=False)
    )
