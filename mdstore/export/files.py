"""Exports by format name: fetching the lineage to export and writing it.

``fetch`` asks the provenance calls (Trace, Impact) for an artifact's lineage;
``write`` hands it to the writer of the format.
"""

from __future__ import annotations

from typing import Final

from mdstore.errors import UnimplementedError
from mdstore.export import cyclonedx_bom, graphml, openlineage_events, picture, prov_document
from mdstore.export.lineage import Lineage
from mdstore.wire import v1
from mdstore.wire.pages import Caller, all_pages

FORMATS: Final = (*picture.FORMATS, "graphml", *prov_document.FORMATS, "openlineage", "cyclonedx")
BUNDLE: Final = "bundle"  # written by export.bundle, with more than the lineage
DIRECTIONS: Final = ("upstream", "downstream", "both")
_ARTIFACT: Final = v1.NodeKind.values_by_name["ARTIFACT"].number


def fetch(call: Caller, artifact_id: int, direction: str, as_of: int | None) -> Lineage:
    """The artifact's lineage: a trace, an impact, or both merged (``call`` runs an
    ``mdstore.v1`` method: a client's, the embedded API's or a Service's)."""
    lineage = Lineage(root=("artifact", artifact_id))
    options = v1.WalkOptions()
    if as_of is not None:
        options.as_of_millis = as_of
    if direction in ("upstream", "both"):
        request = v1.TraceRequest(node=v1.NodeRef(kind=_ARTIFACT, id=artifact_id), options=options)
        lineage.add(all_pages(call, "Trace", request).nodes)
    if direction in ("downstream", "both"):
        request = v1.ImpactRequest(artifact_id=artifact_id, options=options)
        lineage.add(all_pages(call, "Impact", request).nodes)
    return lineage


def fetch_history(call: Caller, lineage: Lineage, model: str) -> None:
    """Adds a model's versions and alias moves to the lineage (PROV records who made
    each; bundles carry them)."""
    lineage.model = model
    lineage.versions = list(
        call("ListModelVersions", v1.ListModelVersionsRequest(name=model)).versions
    )
    changes = call("GetAliasHistory", v1.GetAliasHistoryRequest(name=model)).changes
    lineage.alias_changes = list(changes)


def direction_for(fmt: str, direction: str) -> str:
    """The walk a format needs: an ML-BOM reads metrics from evaluations downstream."""
    return "both" if fmt == "cyclonedx" else direction


def write(lineage: Lineage, fmt: str) -> bytes:
    """The lineage in ``fmt``."""
    if fmt in picture.FORMATS:
        return picture.render(lineage, fmt)
    if fmt == "graphml":
        return graphml.render(lineage)
    if fmt in prov_document.FORMATS:
        return prov_document.render(lineage, fmt)
    if fmt == "openlineage":
        return openlineage_events.render(lineage)
    if fmt == "cyclonedx":
        return cyclonedx_bom.render(lineage)
    raise UnimplementedError(f"--format {fmt} is not one of {', '.join(FORMATS)}")
