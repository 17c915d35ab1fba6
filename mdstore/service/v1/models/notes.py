"""Annotate and GetAnnotations: append-only notes and links on versions."""

from __future__ import annotations

from typing import Any, Final

from mdstore.errors import InvalidArgumentError
from mdstore.service.v1.models.catalog import model_named, version_named
from mdstore.service.v1.models.messages import annotation_message
from mdstore.store import Transaction, principal
from mdstore.store.db import clock
from mdstore.store.registry.annotations import AnnotationRow, add_annotation, annotations_of
from mdstore.store.registry.versions import version_texts
from mdstore.wire import v1

MAX_TEXT: Final = 65_536


def annotate(conn: Transaction, request: Any) -> Any:
    """Annotate: appends a note (and a link) to a version."""
    if not request.text.strip() and not request.url.strip():
        raise InvalidArgumentError("an annotation needs a text or a url")
    if len(request.text) > MAX_TEXT or len(request.url) > MAX_TEXT:
        raise InvalidArgumentError(
            f"an annotation's text and url hold at most {MAX_TEXT} characters"
        )
    model = model_named(conn, request.name, lock=True)
    version = version_named(conn, model, request.version)
    row = AnnotationRow(
        model_id=model.id,
        version=version.sequence,
        text=request.text,
        url=request.url,
        created_at=clock.now_ms(),
        principal=principal(conn),
    )
    add_annotation(conn, row)
    return v1.AnnotateResponse(annotation=annotation_message(model.name, row, version.text))


def get_annotations(conn: Transaction, request: Any) -> Any:
    """GetAnnotations: a model's notes (one version's when given), oldest first."""
    model = model_named(conn, request.name)
    sequence = version_named(conn, model, request.version).sequence if request.version else None
    texts = version_texts(conn, model.id)
    return v1.GetAnnotationsResponse(
        annotations=[
            annotation_message(model.name, row, texts[row.version])
            for row in annotations_of(conn, model.id, sequence)
        ]
    )
