"""`regzone matrix`: one row per catalog control with its frameworks, implementations and test coverage.

`docs/compliance-matrix.md`, `docs/controls.md` and `docs/assurance-levels.md` are generated from it and committed; `check()`
reports the controls with unjustified gaps and the committed documents that are out of date.
"""
from __future__ import annotations

from pathlib import Path

from regzone.assurance_levels import assurance_levels
from regzone.catalog import Catalog
from regzone.levels.render import levels_doc
from regzone.matrix.model import Row
from regzone.matrix.render import controls_doc, markdown
from regzone.paths import REPO_ROOT

MATRIX_DOC = Path("docs/compliance-matrix.md")
LEVELS_DOC = Path("docs/assurance-levels.md")


def generated_docs(catalog: Catalog, rows: list[Row]) -> dict[Path, str]:
    """The matrix, and the control reference at the catalog's `docs_url` (where policies link)."""
    return {MATRIX_DOC: markdown(catalog, rows), Path(catalog.docs_url): controls_doc(catalog, rows),
            LEVELS_DOC: levels_doc(assurance_levels(), catalog)}


def write_docs(catalog: Catalog, rows: list[Row], root: Path = REPO_ROOT) -> list[Path]:
    written = []
    for path, text in generated_docs(catalog, rows).items():
        (root / path).write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_docs(catalog: Catalog, rows: list[Row], root: Path = REPO_ROOT) -> list[Path]:
    """Committed documents that differ from what the catalog, pack and tests generate now."""
    stale = []
    for path, text in generated_docs(catalog, rows).items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def gaps(rows: list[Row]) -> dict[str, list[str]]:
    """Control id -> unjustified gaps, for controls that have any."""
    return {row.control.id: row.gaps() for row in rows if row.gaps()}
