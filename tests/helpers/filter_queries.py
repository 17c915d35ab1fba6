"""Generated filter queries over the data of tests/compat/filter_cases.py, and that
data in an in-memory store."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from mdstore.embedded.store import MetadataStore
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd
from tests.compat import filter_cases

# Fields of filter_cases' data by node kind and type, and literals of each type.
FIELDS = {
    "artifact": {
        "INT": ["properties.count.int_value", "custom_properties.version.int_value", "id",
                "properties.score.int_value", "contexts_a.id", "events_e.execution_id",
                "events_e.milliseconds_since_epoch"],
        "DOUBLE": ["properties.score.double_value", "custom_properties.accuracy.double_value"],
        "STRING": ["properties.label.string_value", "custom_properties.split.string_value",
                   "name", "uri", "contexts_a.name", "contexts_b.name", "contexts_a.type",
                   "custom_properties.version.string_value"],
        "BOOL": ["properties.flag.bool_value"],
    },
    "context": {
        "INT": ["properties.size.int_value", "custom_properties.attempt.int_value", "id",
                "artifacts_a.id", "child_contexts_c.id", "executions_e.id"],
        "DOUBLE": ["properties.size.double_value"],
        "STRING": ["properties.owner.string_value", "name", "parent_contexts_p.name",
                   "artifacts_a.uri", "executions_e.name", "custom_properties.env.string_value"],
        "BOOL": [],
    },
}  # fmt: skip
LITERALS = {
    "INT": ["-1", "0", "1", "2", "3", "10", "20", "1500", "4000"],
    "DOUBLE": ["0.5", "0.9", "1.5"],
    "STRING": ["'train'", "'Eval'", "'p1'", "'r1'", "'s3://bucket/d1'", "'prod'", "'alice'"],
    "BOOL": ["TRUE", "FALSE"],
}


def predicates(kind: str) -> st.SearchStrategy[str]:
    def of(type_: str) -> st.SearchStrategy[str]:
        field = st.sampled_from(FIELDS[kind][type_])
        lit = st.sampled_from(LITERALS[type_])
        ops = ["=", "!="] if type_ == "BOOL" else ["=", "!=", "<", "<=", ">", ">="]
        forms = [
            st.tuples(field, st.sampled_from(ops), lit).map(" ".join),
            st.tuples(field, st.sampled_from(["IN", "NOT IN"]), lit, lit).map(
                lambda t: f"{t[0]} {t[1]} ({t[2]}, {t[3]})"
            ),
            st.tuples(field, st.sampled_from(["IS NULL", "IS NOT NULL"])).map(" ".join),
        ]
        if type_ != "BOOL":
            forms.append(
                st.tuples(field, st.sampled_from(["BETWEEN", "NOT BETWEEN"]), lit, lit).map(
                    lambda t: f"{t[0]} {t[1]} {t[2]} AND {t[3]}"
                )
            )
        if type_ == "STRING":
            pattern = st.sampled_from(["'s3://%'", "'%1'", "'P%'", "'%'"])
            forms.append(st.tuples(field, pattern).map(lambda t: f"{t[0]} LIKE {t[1]}"))
        return st.one_of(forms)

    return st.one_of([of(t) for t, fields in FIELDS[kind].items() if fields])


def queries(kind: str) -> st.SearchStrategy[str]:
    """Filter queries on ``kind`` (\"artifact\" or \"context\"): predicates of every form
    combined with AND, OR and NOT."""
    return st.recursive(
        predicates(kind),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR "]), inner).map(
                lambda t: f"({t[0]}{t[1]}{t[2]})"
            ),
            inner.map(lambda e: f"NOT {e}"),
        ),
        max_leaves=6,
    )


@dataclass
class CasesDatabase:
    """An in-memory store holding filter_cases' data, and its node ids by name."""

    service: Service
    ids: dict[str, int]


def open_cases_database() -> CasesDatabase:
    """filter_cases' data in a new in-memory SQLite store; close its ``service`` after."""
    service = Service("sqlite://")
    return CasesDatabase(service, filter_cases.populate(MetadataStore(service), mlmd))
