"""Per policy of the pack: how many resources it judged in a preview and how many passed.

The analyzer protocol answers with violations only, so passes are derived from what the harness
sent: a resource policy judged every resource sent whose type it declares (`types` of
`resource_policy` in regulated_ai/framework.py, read from the pack's own modules), unless the pack
config disabled it; a resource passed when the policy reported no violation for it. A stack policy
judges the stack as a whole: one evaluation, passed when it reported nothing. A policy whose scope
cannot be read (not declared through the pack's decorators) has no counts: its passes are never
guessed.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from regzone.preview.analyzer import AnalyzerResource, Diagnostic, PolicyInfo

Scope = Collection[str] | Callable[[str], bool]
RESOURCES, STACK, UNKNOWN = "resources", "stack", "unknown"


@dataclass(frozen=True)
class PolicyTally:
    policy: str
    enforcement: str
    scope: str                 # RESOURCES, STACK or UNKNOWN
    evaluated: int | None      # resources judged (STACK: 1); None when the scope is unknown
    passed: int | None
    violations: int            # diagnostics, advisory ones included

    @property
    def failed(self) -> int | None:
        return None if self.evaluated is None or self.passed is None else self.evaluated - self.passed


def pack_scopes(pack_dir: Path) -> dict[str, Scope | None]:
    """Policy name -> the types its resource policy judges; None for a stack policy. Read from the
    pack's modules (the same code the analyzer process runs); empty for another pack."""
    if not (pack_dir / "regulated_ai" / "policies").is_dir():
        return {}
    if str(pack_dir) not in sys.path:
        sys.path.append(str(pack_dir))
    from pulumi_policy import StackValidationPolicy
    from regulated_ai.policies import all_policies

    return {p.name: None if isinstance(p, StackValidationPolicy) else getattr(p, "types", ())
            for p in all_policies()}


def _judges(scope: Scope, type_token: str) -> bool:
    return scope(type_token) if callable(scope) else type_token in scope


def tally(policies: Iterable[PolicyInfo], levels: dict[str, str], scopes: dict[str, Scope | None],
          resources: list[AnalyzerResource], diagnostics: list[Diagnostic]) -> list[PolicyTally]:
    """One tally per policy, in the pack's order. `levels` are the enforcement levels the pack was
    configured with (a disabled policy judged nothing)."""
    reported: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        reported.setdefault(diagnostic.policy, []).append(diagnostic)
    tallies = []
    for policy in policies:
        level = levels.get(policy.name, policy.enforcement)
        found = reported.get(policy.name, [])
        if policy.name not in scopes:
            tallies.append(PolicyTally(policy.name, level, UNKNOWN, None, None, len(found)))
            continue
        scope = scopes[policy.name]
        if level == "disabled":
            tallies.append(PolicyTally(policy.name, level, STACK if scope is None else RESOURCES, 0, 0, len(found)))
        elif scope is None:
            tallies.append(PolicyTally(policy.name, level, STACK, 1, 0 if found else 1, len(found)))
        else:
            judged = {r.urn for r in resources if _judges(scope, r.type)}
            failing = {d.urn for d in found} & judged
            tallies.append(PolicyTally(policy.name, level, RESOURCES, len(judged), len(judged) - len(failing),
                                       len(found)))
    return tallies
