"""ml-metadata's own test suite, run by the real client against `mdstore serve`.

The 1.17.1 wheel ships `metadata_store_test.py` with a conftest that points it at a
gRPC server (`--use_grpc_backend --grpc_host H --grpc_port P`). It runs in .venv-mlmd,
in its own pytest process; we read its JUnit report and hold it to
mlmd_suite_expectations: everything must pass except the tests listed there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compat import mlmd_suite_expectations as expect
from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

SUITE_TIMEOUT_SECONDS = 900

# The last line of a Python traceback: `ValueError: ...`, `sqlalchemy.exc.X: ...`.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*:")


@dataclass(frozen=True)
class Outcome:
    status: str  # passed | failed | error | skipped
    message: str = ""


def _site_packages(python: Path) -> Path:
    result = mlmd_venv.run_python(
        "import ml_metadata, pathlib; print(pathlib.Path(ml_metadata.__file__).parents[1])",
        python=python,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def _run_suite(python: Path, host: str, port: int, report: Path) -> str:
    """Runs the suite; returns its console output (for when no report comes out)."""
    site_packages = _site_packages(python)
    deselect = [f"--deselect={expect.node_id(name)}" for name in expect.BROKEN_IN_SUITE]
    command = [
        str(python), "-m", "pytest", expect.SUITE_FILE,
        "--use_grpc_backend", "--grpc_host", host, "--grpc_port", str(port),
        # No ini file: without `-c` pytest would walk up from site-packages into this
        # repo's pyproject.toml and apply our addopts and markers to their suite.
        "-c", os.devnull, "--rootdir", str(site_packages),
        "-p", "no:cacheprovider", f"--junitxml={report}", "-q", *deselect,
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=site_packages,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    return result.stdout + result.stderr


def _read_report(report: Path) -> dict[str, Outcome]:
    """Maps each test's name (e.g. `test_put_type_get_type_with_version0`) to its outcome."""
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcomes[case.attrib["name"]] = _outcome(case)
    return outcomes


def _outcome(case: ET.Element) -> Outcome:
    for status in ("failure", "error", "skipped"):
        child = case.find(status)
        if child is not None:
            message = child.attrib.get("message", "") or (child.text or "")
            return Outcome("failed" if status == "failure" else status, message.strip())
    return Outcome("passed")


def _must_pass(name: str) -> bool:
    return name not in expect.NEEDS_LATER_ISSUE and expect.base_name(name) not in (
        expect.SKIPPED_BY_SUITE
    )


def _summary(backend_name: str, outcomes: dict[str, Outcome]) -> str:
    passed = [n for n, o in outcomes.items() if o.status == "passed"]
    later = [n for n in outcomes if n in expect.NEEDS_LATER_ISSUE]
    later_passed = [n for n in later if outcomes[n].status == "passed"]
    skipped = [n for n, o in outcomes.items() if o.status == "skipped"]
    failed = len(outcomes) - len(passed) - len(skipped)
    return (
        f"MLMD suite on {backend_name}: {len(passed)} passed, {failed} failed "
        f"({len(later) - len(later_passed)} of them NEEDS_LATER_ISSUE), "
        f"{len(expect.BROKEN_IN_SUITE)} excluded (BROKEN_IN_SUITE), "
        f"{len(skipped)} skipped by the suite itself; "
        f"{len(later_passed)}/{len(later)} NEEDS_LATER_ISSUE already pass"
    )


def _failures_by_message(outcomes: dict[str, Outcome]) -> str:
    """Groups must-pass failures by their first message line: one cause, many tests."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, outcome in sorted(outcomes.items()):
        if _must_pass(name) and outcome.status != "passed":
            cause = (outcome.message.splitlines() or [outcome.status])[0][:300]
            groups[f"[{outcome.status}] {cause}"].append(name)
    return "\n".join(f"{cause}\n    " + "\n    ".join(names) for cause, names in groups.items())


def _server_exceptions(log: Path) -> str:
    """Counts the exception lines of the server's tracebacks: INTERNAL hides them."""
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    counts = Counter(line for line in lines if _EXCEPTION_LINE.match(line))
    return "\n".join(f"{n:4d} x {line[:300]}" for line, n in counts.most_common(20))


def _check_expectations_match_suite(outcomes: dict[str, Outcome]) -> None:
    """The expectation lists must name real tests, or they silently excuse nothing."""
    reported = set(outcomes)
    reported_bases = {expect.base_name(n) for n in reported}
    assert not expect.NEEDS_LATER_ISSUE - reported, "unknown names in NEEDS_LATER_ISSUE"
    assert not expect.SKIPPED_BY_SUITE - reported_bases, "unknown names in SKIPPED_BY_SUITE"
    assert not set(expect.BROKEN_IN_SUITE) & reported_bases, "BROKEN_IN_SUITE tests ran"
    expected = expect.SUITE_TEST_COUNT - len(expect.BROKEN_IN_SUITE)
    assert len(reported) == expected, f"suite reported {len(reported)} tests, not {expected}"


@pytest.mark.timeout(SUITE_TIMEOUT_SECONDS + 300)
def test_mlmd_suite_against_mdstore_serve(
    mlmd_python: Path,
    mdstore_server: tuple[str, int],
    backend_name: str,
    server_log: Path,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "mlmd-suite.xml"
    console = _run_suite(mlmd_python, *mdstore_server, report)
    assert report.is_file(), f"the suite wrote no report; its output:\n{console[-5000:]}"
    outcomes = _read_report(report)

    summary = _summary(backend_name, outcomes)
    # Straight to the console even when the test passes: stderr with capture off is
    # the one channel pytest-xdist workers pass through to the CI log.
    with capsys.disabled():
        print(f"\n{summary}", file=sys.stderr)
    record_property("mlmd_suite_summary", summary)  # and into any JUnit report

    _check_expectations_match_suite(outcomes)
    failures = _failures_by_message(outcomes)
    assert not failures, (
        f"{summary}\nMLMD tests that must pass but did not:\n{failures}\n"
        f"Exceptions in the server log ({server_log}):\n{_server_exceptions(server_log)}"
    )
