"""Runs the filter-query oracle table on ml-metadata itself; prints the answers as JSON.

Runs inside .venv-mlmd (ml-metadata 1.17.1), not in the project's venv:

    .venv-mlmd/bin/python tests/compat/filter_oracle_script.py tests/compat/filter_cases.py

It builds filter_cases' data set in ml-metadata's in-process fake (SQLite) database
and prints ``{case key: sorted names or error class name}`` on stdout.
"""

from __future__ import annotations

import importlib.util
import json
import sys


def main(cases_path: str) -> None:
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    spec = importlib.util.spec_from_file_location("filter_cases", cases_path)
    assert spec is not None
    assert spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    sys.modules["filter_cases"] = cases  # dataclasses look their module up by name
    spec.loader.exec_module(cases)

    config = metadata_store_pb2.ConnectionConfig()
    config.fake_database.SetInParent()
    store = metadata_store.MetadataStore(config)
    ids = cases.populate(store, metadata_store_pb2)
    results = cases.run_cases(store, metadata_store.ListOptions, ids)
    json.dump(results, sys.stdout, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
