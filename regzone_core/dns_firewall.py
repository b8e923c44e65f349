"""What a VPC's Route 53 Resolver DNS Firewall lets through, judged the same way by the preview
policy (the program's rules) and the evidence check (the live rules).

DNS Firewall evaluates the rule groups associated with a VPC in association priority order, and
each group's rules in rule priority order; the first rule whose domain list matches the query
decides, and a query that matches no rule is let through (Route 53 developer guide, "How Route 53
Resolver DNS Firewall works"). A rule group has no default action of its own: a VPC defaults to
block only when a BLOCK rule on the domain `*`, for every query type, comes before any rule that
lets every name through. A rule limited to one query type matches only that type; a DNS Firewall
Advanced rule (threat protection) matches by detection, not by name.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EVERY_NAME = "*"


@dataclass(frozen=True)
class DnsRule:
    name: str
    priority: float
    action: str                        # ALLOW | ALERT | BLOCK
    domains: tuple[str, ...] | None    # None: the rule's domain list cannot be read
    query_type: str | None = None      # a rule for one DNS query type only
    threat_protection: bool = False    # a DNS Firewall Advanced rule: no domain list


def opens_a_public_suffix(domain: str) -> bool:
    """`*` or `*.<label>` (every name, or a whole top-level domain where anyone can register one)."""
    return domain == EVERY_NAME or (domain.startswith("*.") and "." not in domain[2:])


def rule_verdict(rule: DnsRule) -> str | None:
    """"block" when the rule blocks every query; a problem when it lets every name (of some query
    type) through or cannot be judged; None when it leaves the query to later rules."""
    if rule.threat_protection:
        return None
    if rule.domains is None:
        if rule.action == "BLOCK":
            return None
        return (f"rule '{rule.name}' ({rule.action}) uses a domain list whose names cannot be read (not defined "
                "here, or managed by AWS), so it cannot be shown not to allow every name")
    opening = sorted(d for d in rule.domains if opens_a_public_suffix(d))
    if not opening:
        return None
    if rule.action == "BLOCK":
        return "block" if EVERY_NAME in opening and not rule.query_type else None
    scope = f"{rule.query_type} queries for " if rule.query_type else ""
    return (f"rule '{rule.name}' {rule.action}s {scope}{', '.join(opening)}: every such name resolves, so data "
            "can leave in the names looked up")


def default_problem(groups: Iterable[Sequence[DnsRule]]) -> str | None:
    """Why a VPC whose associated groups (in association priority order) hold these rules does not
    block every name it does not allow; None when it does."""
    for rules in groups:
        for rule in sorted(rules, key=lambda r: r.priority):
            verdict = rule_verdict(rule)
            if verdict == "block":
                return None
            if verdict is not None:
                return verdict
    return ("no rule blocks '*' for every query type, and DNS Firewall lets a query that matches no rule "
            "through (the default is allow)")
