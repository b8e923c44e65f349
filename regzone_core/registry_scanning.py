"""Whether an ECR registry scanning configuration scans given repositories continuously: asked by the
RestrictedRegistry component of a live configuration and by the pack of a planned one."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from regzone_core.registry_tags import wildcard_match


def scanning_problem(scan_type: str | None, rules: Sequence[Mapping] | None, repositories: Sequence[str]) -> str | None:
    """Why a registry scanning configuration does not scan `repositories` continuously (None: it does).
    `rules` use the API's snake_case names (scan_frequency, repository_filters, filter_type)."""
    if scan_type != "ENHANCED":
        return f"the registry scan type is {scan_type or 'BASIC'}, not ENHANCED"
    continuous = [f.get("filter", "") for rule in rules or [] if rule.get("scan_frequency") == "CONTINUOUS_SCAN"
                  for f in rule.get("repository_filters") or [] if f.get("filter_type") == "WILDCARD"]
    unscanned = [repo for repo in repositories if not any(wildcard_match(pattern, repo) for pattern in continuous)]
    if unscanned:
        return f"no CONTINUOUS_SCAN rule covers {', '.join(unscanned)}"
    return None
