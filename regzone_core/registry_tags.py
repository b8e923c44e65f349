"""Which image tags an ECR tag-mutability exclusion list leaves mutable, judged as ECR reads it.

ECR API reference, ImageTagMutabilityExclusionFilter: `filterType` WILDCARD (the only value) and
`filter` matching `^[0-9a-zA-Z._*-]{1,128}$`, in which `*` is the only wildcard (it matches any run
of characters, also none). A filter made only of `*` therefore matches every tag, and with
IMMUTABLE_WITH_EXCLUSION leaves every tag mutable; a filter outside that syntax is one ECR refuses.
The preview policy (policypacks .../ecr.py) and the evidence check both call this.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

FILTER_SYNTAX = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")


def wildcard_match(pattern: str, value: str) -> bool:
    """Whether an ECR wildcard pattern (tag exclusion filters, repository filters, lifecycle tag
    patterns) matches `value`: `*` matches any run of characters, nothing else is special."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value) is not None


def exclusion_problem(filters: Iterable[Mapping]) -> str | None:
    """Why an IMMUTABLE_WITH_EXCLUSION filter list leaves every tag mutable or is not one ECR accepts;
    None when it names some tags only."""
    filters = list(filters)
    if not filters:
        return "IMMUTABLE_WITH_EXCLUSION without exclusion filters"
    for entry in filters:
        value = entry.get("filter") if isinstance(entry, Mapping) else None
        kind = entry.get("filterType", "WILDCARD") if isinstance(entry, Mapping) else None
        if kind != "WILDCARD" or not isinstance(value, str) or not FILTER_SYNTAX.match(value):
            return (f"exclusion filter {value!r} ({kind}) is not one ECR accepts: filterType WILDCARD, "
                    "filter of letters, digits, . _ - and the wildcard *")
        if set(value) == {"*"}:
            return f"exclusion filter {value!r} matches every tag, so every tag stays mutable"
    return None
