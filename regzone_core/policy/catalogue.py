"""Known actions per service, to expand wildcards where a question needs names (`kms:Create*`
grants kms:CreateGrant, which hands out use of a key). The data and its sources are in
`data/actions.json`."""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from regzone_core.policy.patterns import matches

_DATA = Path(__file__).resolve().parent / "data" / "actions.json"


@lru_cache(maxsize=1)
def _catalogue() -> dict:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def service_actions(service: str, group: str = "actions") -> frozenset[str]:
    """`service:Action` names of the catalogue (or of one of its groups, e.g. kms "use")."""
    entry = _catalogue()[service]
    return frozenset(f"{service}:{name}" for name in entry[group])


def expand(patterns: Iterable[str], service: str, *, negated: bool = False) -> frozenset[str]:
    """The catalogued actions of `service` that an Action list (or a NotAction list) grants."""
    patterns = tuple(patterns)
    return frozenset(a for a in service_actions(service)
                     if any(matches(p, a, ignore_case=True) for p in patterns) != negated)
