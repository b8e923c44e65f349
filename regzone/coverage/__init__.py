"""Which resource types can express each control's setting, and whether the pack judges each one.

An attacker who cannot break a control through the type the policy knows uses a sibling: another
type token, a separate policy resource, a deprecated alias. So a control's `covers` entries
(catalog/controls.yaml) name the SDK inputs that express its setting, the candidate types are every
resource type of the pinned SDKs with such an input (regzone/coverage/sdk.py), and each candidate
must be judged by one of the control's policies (their `types`) or excused in the control's
`excused` with a reason. `problems()` lists what breaks that rule; the coverage test and
`regzone matrix --check` fail on any, and docs/policy-pack.md prints the table.
"""
from __future__ import annotations

import fnmatch
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from regzone.catalog import Catalog, Control
from regzone.coverage.sdk import SdkIndex, sdk_index
from regzone.paths import POLICY_PACK_DIR

PolicyTypes = dict[str, Collection[str] | Callable[[str], bool]]


@dataclass
class ControlCoverage:
    control: Control
    candidates: dict[str, list[str]]  # type token -> the inputs that express the setting
    judged: dict[str, list[str]]  # candidate type token -> the control's policies that judge it
    unmatched: list[str] = field(default_factory=list)  # selectors that match no type

    @property
    def excused(self) -> dict[str, str]:
        """Candidate type -> the reason the catalog gives for not judging it (`excused` keys may be globs)."""
        return {token: reason for pattern, reason in self.control.excused.items()
                for token in self._matching(pattern)}

    def _matching(self, pattern: str) -> list[str]:
        return sorted(t for t in self.candidates if fnmatch.fnmatchcase(t, pattern))

    def unjudged(self) -> list[str]:
        excused = self.excused
        return sorted(t for t in self.candidates if t not in self.judged and t not in excused)

    def problems(self) -> list[str]:
        found = [f"{token} can express the setting ({', '.join(self.candidates[token][:3])}) but no policy of "
                 f"the control judges it and the catalog does not excuse it" for token in self.unjudged()]
        found += [f"covers entry {selector} matches no resource type of the SDKs" for selector in self.unmatched]
        for pattern in sorted(self.control.excused):
            matching = self._matching(pattern)
            if not matching:
                found.append(f"excuses {pattern}, which matches no candidate type (stale or misspelt)")
            for token in matching:
                if token in self.judged:
                    found.append(f"excuses {token} (as {pattern}), which {', '.join(self.judged[token])} judges")
        if self.control.policies and not self.control.covers:
            found.append("has policies but no `covers`: name the inputs that express its setting")
        return found


def _judges(types: Collection[str] | Callable[[str], bool], token: str) -> bool:
    return types(token) if callable(types) else token in types


def pack_policy_types() -> PolicyTypes:
    """Policy name -> the types it judges, from the pack itself (a directory, not an installed package)."""
    if str(POLICY_PACK_DIR) not in sys.path:
        sys.path.append(str(POLICY_PACK_DIR))
    from regulated_ai.policies import all_policies

    return {policy.name: getattr(policy, "types", ()) for policy in all_policies()}


def candidate_types(index: SdkIndex, control: Control) -> tuple[dict[str, list[str]], list[str]]:
    """Type token -> matching input paths, and the selectors that match nothing."""
    candidates: dict[str, list[str]] = {}
    unmatched = []
    for selector in control.covers:
        matched = False
        for token in index.types():
            if not any(fnmatch.fnmatchcase(token, pattern) for pattern in selector.types):
                continue
            paths = [p for pattern in selector.inputs for p in index.paths(token, pattern)]
            if paths:
                matched = True
                candidates.setdefault(token, [])
                candidates[token] += [p for p in paths if p not in candidates[token]]
        if not matched:
            unmatched.append(f"{selector.types} {selector.inputs}")
    return candidates, unmatched


def control_coverage(control: Control, policy_types: PolicyTypes, index: SdkIndex) -> ControlCoverage:
    candidates, unmatched = candidate_types(index, control)
    judged = {token: [name for name in control.policies if _judges(policy_types.get(name, ()), token)]
              for token in candidates}
    return ControlCoverage(control, candidates, {t: p for t, p in judged.items() if p}, unmatched)


def catalog_coverage(catalog: Catalog, policy_types: PolicyTypes | None = None,
                     index: SdkIndex | None = None) -> list[ControlCoverage]:
    policy_types = pack_policy_types() if policy_types is None else policy_types
    index = sdk_index() if index is None else index
    return [control_coverage(control, policy_types, index) for control in catalog.controls]


def coverage_problems(coverage: Iterable[ControlCoverage]) -> dict[str, list[str]]:
    return {c.control.id: c.problems() for c in coverage if c.problems()}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def coverage_markdown(coverage: list[ControlCoverage]) -> str:
    """The summary per control, then every candidate type with its verdict."""
    lines = ["| control | inputs that express the setting | candidate types | judged | excused |",
             "|---|---|---|---|---|"]
    for c in coverage:
        if not c.control.covers:
            continue
        selectors = "; ".join(f"{', '.join(f'`{t}`' for t in s.types)}: {', '.join(f'`{i}`' for i in s.inputs)}"
                              for s in c.control.covers)
        lines.append(f"| [{c.control.id}](controls.md#{c.control.id.lower()}) | {_cell(selectors)} | "
                     f"{len(c.candidates)} | {len(c.judged)} | {len(c.excused)} |")
    lines += ["", "| control | type | input | verdict |", "|---|---|---|---|"]
    for c in coverage:
        judged_by = {tuple(p) for p in c.judged.values()}  # each in the catalog's order of the control's policies
        if len(c.candidates) > 40 and len(judged_by) == 1 and len(c.judged) == len(c.candidates):
            policies = ", ".join(f"`{p}`" for p in next(iter(judged_by)))
            lines.append(f"| {c.control.id} | all {len(c.candidates)} candidate types | | judged by {policies} |")
            continue
        for token in sorted(c.candidates):
            verdict = (f"judged by {', '.join(f'`{p}`' for p in c.judged[token])}" if token in c.judged
                       else f"excused: {c.excused[token]}" if token in c.excused else "**not judged**")
            lines.append(f"| {c.control.id} | `{token}` | `{c.candidates[token][0]}` | {_cell(verdict)} |")
    return "\n".join(lines) + "\n"
