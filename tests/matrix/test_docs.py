"""The committed docs match the catalog, the pack and the tests; `regzone matrix --check` gates CI."""
import json

import pytest

from regzone.matrix import MATRIX_DOC, gaps, stale_docs, write_docs
from tests.test_cli_preview import regzone

REGENERATE = "docs are stale: run `make docs` (regzone matrix --write-docs) and commit docs/"


def test_committed_docs_are_current(real_matrix):
    catalog, rows = real_matrix
    assert stale_docs(catalog, rows) == [], REGENERATE


def test_every_control_is_implemented_and_tested(real_matrix):
    """The gate: a missing or untested component, policy or evidence check needs a catalog justification."""
    _, rows = real_matrix
    assert gaps(rows) == {}, "see `regzone matrix --check`"


def test_stale_and_missing_docs_are_detected(real_matrix, tmp_path):
    catalog, rows = real_matrix
    (tmp_path / "docs").mkdir()
    write_docs(catalog, rows, tmp_path)
    assert stale_docs(catalog, rows, tmp_path) == []
    matrix_doc = tmp_path / MATRIX_DOC
    matrix_doc.write_text(matrix_doc.read_text().replace("✅", "❌", 1))
    (tmp_path / catalog.docs_url).unlink()
    assert sorted(map(str, stale_docs(catalog, rows, tmp_path))) == ["docs/compliance-matrix.md", "docs/controls.md"]


@pytest.mark.slow
def test_cli_check_reports_each_gap_and_exit_code(real_matrix):
    catalog, rows = real_matrix
    done = regzone("matrix", "--check")
    expected = [f"regzone matrix: {control}: {gap}" for control, found in gaps(rows).items() for gap in found]
    expected += [f"regzone matrix: {path} is out of date: run `regzone matrix --write-docs` (make docs)"
                 for path in stale_docs(catalog, rows)]
    reported = [line for line in done.stderr.splitlines() if line.startswith("regzone matrix: ")]
    if expected:
        assert done.returncode == 1 and reported == expected
    else:
        assert done.returncode == 0 and "no unjustified gap, docs up to date" in done.stderr


@pytest.mark.slow
def test_cli_json_to_file(real_matrix, tmp_path):
    catalog, _ = real_matrix
    out = tmp_path / "matrix.json"
    done = regzone("matrix", "--format", "json", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert [c["id"] for c in json.loads(out.read_text())["controls"]] == [c.id for c in catalog.controls]
