"""The compliance matrix as data: per control, each implementation and whether it exists and is tested.

Coverage is derived mechanically from the repository, never declared:
- a component (a class or function of a module, or a module) exists when the module defines it, and
  is tested when a test under `tests/` references it or its module;
- a policy exists when the running pack lists it (GetAnalyzerInfo), and is tested when a test under
  `policypacks/regulated-ai/tests` references its name;
- an evidence check exists when `regzone/evidence/checks/<name>/check.py` does, and is tested when a
  test under `tests/evidence` references its name.
A `justification` in the catalog excuses an implementation that cannot exist, never an untested one.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from regzone.catalog import Catalog, Control
from regzone.paths import POLICY_PACK_DIR, REPO_ROOT

# The matrix's own tests name every implementation; they must not count as coverage.
_EXCLUDED_TEST_DIRS = ("tests/matrix",)


@dataclass
class Piece:
    """One implementation of a control: a component, a policy or an evidence check."""

    kind: str  # "component" | "policy" | "evidence"
    name: str
    exists: bool
    tests: list[str] = field(default_factory=list)  # repo-relative test files that reference it
    source: str | None = None  # repo-relative file that defines it, when known

    @property
    def tested(self) -> bool:
        return self.exists and bool(self.tests)


@dataclass
class Row:
    control: Control
    component: Piece | None
    policies: list[Piece]
    evidence: list[Piece]

    @property
    def pieces(self) -> list[Piece]:
        return ([self.component] if self.component else []) + self.policies + self.evidence

    def gaps(self) -> list[str]:
        """What keeps this control from being implemented and tested, in words for the reviewer."""
        gaps = []
        for kind, present in (("component", self.component is not None), ("policy", bool(self.policies)),
                              ("evidence check", bool(self.evidence))):
            if not present and not self.control.justification:
                gaps.append(f"no {kind} and no justification")
        for piece in self.pieces:
            if not piece.exists:
                gaps.append(f"{piece.kind} {piece.name} is named in the catalog but not defined")
            elif not piece.tests:
                gaps.append(f"{piece.kind} {piece.name} has no test")
        return gaps

    @property
    def status(self) -> str:
        if self.gaps():
            return "gap"
        return "justified" if self.control.justification else "complete"


class Repository:
    """The files coverage is read from, read once."""

    def __init__(self, root: Path = REPO_ROOT, pack_dir: Path = POLICY_PACK_DIR) -> None:
        self.root = root
        self.pack_tests_dir = pack_dir / "tests"

    def _tests(self, directory: Path) -> dict[str, str]:
        files = {}
        for path in sorted(directory.rglob("test_*.py")) if directory.is_dir() else []:
            relative = path.relative_to(self.root).as_posix()
            if not relative.startswith(_EXCLUDED_TEST_DIRS):
                files[relative] = path.read_text(encoding="utf-8")
        return files

    @cached_property
    def project_tests(self) -> dict[str, str]:
        return self._tests(self.root / "tests")

    @cached_property
    def pack_tests(self) -> dict[str, str]:
        return self._tests(self.pack_tests_dir)

    @cached_property
    def evidence_tests(self) -> dict[str, str]:
        return self._tests(self.root / "tests" / "evidence")

    @staticmethod
    def referencing(files: dict[str, str], *names: str) -> list[str]:
        patterns = [re.compile(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])") for name in names]
        return [path for path, text in files.items() if any(p.search(text) for p in patterns)]

    def component(self, dotted: str) -> Piece:
        """`pkg.module.Name` (a class, function or constant of a module) or `pkg.module` itself."""
        as_module = self._module_file(dotted)
        if as_module is not None:
            names = (dotted, as_module.as_posix())
            return Piece("component", dotted, True, self.referencing(self.project_tests, *names), as_module.as_posix())
        module, _, attribute = dotted.rpartition(".")
        source = self._module_file(module) if module else None
        exists = source is not None and attribute in _top_level_names(self.root / source)
        names = (attribute, module, *((source.as_posix(),) if source else ()))
        return Piece("component", dotted, exists, self.referencing(self.project_tests, *names),
                     source.as_posix() if source else None)

    def _module_file(self, dotted: str) -> Path | None:
        relative = Path(*dotted.split("."))
        return next((c for c in (relative.with_suffix(".py"), relative / "__init__.py")
                     if (self.root / c).is_file()), None)

    def policy(self, name: str, defined: set[str]) -> Piece:
        return Piece("policy", name, name in defined, self.referencing(self.pack_tests, name))

    def evidence(self, name: str) -> Piece:
        check = Path("regzone", "evidence", "checks", name, "check.py")
        exists = (self.root / check).is_file()
        return Piece("evidence", name, exists, self.referencing(self.evidence_tests, name),
                     check.as_posix() if exists else None)


def _top_level_names(path: Path) -> set[str]:
    """Classes, functions and assigned names a module defines at top level (read, not imported)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def pack_policy_names(pack_dir: Path = POLICY_PACK_DIR) -> set[str]:
    """The policies the pack really serves, asked the way the engine asks (GetAnalyzerInfo)."""
    from regzone.preview.analyzer import PolicyPackClient

    with PolicyPackClient(pack_dir, project="regzone", stack="matrix") as pack:
        _, policies = pack.info()
    return {p.name for p in policies}


def build_matrix(catalog: Catalog, defined_policies: set[str], repository: Repository | None = None) -> list[Row]:
    repo = repository or Repository()
    return [Row(control=c,
                component=repo.component(c.component) if c.component else None,
                policies=[repo.policy(p, defined_policies) for p in c.policies],
                evidence=[repo.evidence(e) for e in c.evidence])
            for c in catalog.controls]
