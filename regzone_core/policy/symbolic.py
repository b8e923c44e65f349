"""Conditions over *sets* of requests: can a condition hold for some request of a set, and does
it hold for every one?

The questions the project asks (may an unlisted account use this Allow? does this Deny catch
every plain-HTTP request?) are about all requests a caller could make, not one. A context key's
possible values are described by a `Values`:

- `ABSENT`: the request does not carry the key;
- `Lit(values)`: exactly these request values;
- `Fresh(shape)`: any value the document does not name (an unlisted account, organization,
  user id, VPC endpoint or the caller's own IP address);
- `ArnIn(account)` / `OrgPathIn(org)`: any ARN of an account (None: an unlisted account), any
  organization path under an organization (None: an unlisted organization);
- `UnnamedArnIn(account)`: the ARN of a principal of the account that the document does not name
  (a wildcard in the resource part of an ARN can match it, a literal ARN cannot);
- `Outside(patterns)`: any value none of the patterns matches (every caller's ARN but a
  break-glass role's, for the service control policies that exempt it);
- `FREE`: any value, or none: what the caller chooses (tags, encryption context, prefixes ...).

`can_hold` over-approximates (when unsure, the condition can hold) and `must_hold`
under-approximates (when unsure, it need not hold), so that a grant is never missed and a Deny
is never credited with more than it denies. The operator semantics are those of
`regzone_core.policy.conditions` (AWS IAM User Guide, "Condition operators").
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from regzone_core.policy.conditions import holds, holds_when_absent
from regzone_core.policy.document import Condition
from regzone_core.policy.patterns import arn_includes, arn_parts, has_wildcard, includes, matches

_WILDCARD_OPERATORS = frozenset({"StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"})
_STRING_SPANNING = frozenset({"StringLike", "StringNotLike"})   # `*` may span ARN components
_ACCOUNT_COMPONENT = 4


@dataclass(frozen=True)
class Lit:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Fresh:
    shape: str   # account, org, userid, network, ip


@dataclass(frozen=True)
class ArnIn:
    account: str | None


@dataclass(frozen=True)
class UnnamedArnIn:
    account: str | None


@dataclass(frozen=True)
class OrgPathIn:
    org: str | None


@dataclass(frozen=True)
class Outside:
    patterns: tuple[str, ...]   # ARN patterns (ArnLike syntax): any value none of them matches


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT, FREE = _Marker("ABSENT"), _Marker("FREE")
Values = Lit | Fresh | ArnIn | UnnamedArnIn | OrgPathIn | Outside | _Marker


def _wild(condition: Condition) -> bool:
    return condition.base in _WILDCARD_OPERATORS


def _covers_everything(condition: Condition, value: str) -> bool:
    """The policy value matches every possible request value."""
    if condition.base in ("IpAddress", "NotIpAddress"):
        try:
            return ipaddress.ip_network(value, strict=False).prefixlen == 0
        except ValueError:
            return False
    return _wild(condition) and includes(value, "*")


def _may_match_fresh(condition: Condition, value: str) -> bool:
    """Some value the document does not name matches the policy value."""
    if condition.base in ("IpAddress", "NotIpAddress"):
        return _covers_everything(condition, value)
    return _wild(condition) and has_wildcard(value)


def _arn_admits(condition: Condition, value: str, account: str | None) -> bool:
    """Some ARN of `account` (None: of an unlisted account) matches the policy value."""
    parts = arn_parts(value)
    if parts is None:
        return _wild(condition) and has_wildcard(value)
    if condition.base in _STRING_SPANNING and any("*" in p for p in parts[:_ACCOUNT_COMPONENT]):
        return True
    component = parts[_ACCOUNT_COMPONENT]
    if account is None:
        return _wild(condition) and has_wildcard(component)
    return matches(component, account) if _wild(condition) else component == account


def _arn_covers(condition: Condition, value: str, account: str | None) -> bool:
    """Every ARN of `account` (None: of every unlisted account) matches the policy value."""
    if not _wild(condition):
        return False
    if includes(value, "*"):
        return True
    parts = arn_parts(value)
    if parts is None or parts[0] != "arn" or has_wildcard(parts[1]):
        return False
    rest_open = all(includes(p, "*") for i, p in enumerate(parts) if i in (2, 3, 5))
    component = parts[_ACCOUNT_COMPONENT]
    return rest_open and (includes(component, "*") if account is None else matches(component, account))


def _org_admits(condition: Condition, value: str, org: str | None) -> bool:
    head = value.split("/", 1)[0]
    if org is None:
        return _wild(condition) and has_wildcard(head)
    return matches(head, org) if _wild(condition) else head == org


def _org_covers(condition: Condition, value: str, org: str | None) -> bool:
    if not _wild(condition):
        return False
    if includes(value, "*"):
        return True
    head, _, tail = value.partition("/")
    return includes(tail, "*") and (includes(head, "*") if org is None else matches(head, org))


_OUTSIDE_OPERATORS = frozenset({"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
                                "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"})


def _inside(value: str, patterns: tuple[str, ...], condition: Condition) -> bool:
    """Every value the policy value matches is matched by one of `patterns` (so none lies outside)."""
    if not _wild(condition) and has_wildcard(value):   # StringEquals compares the text literally
        return any(matches(p, value) for p in patterns)
    compare = includes if condition.base in _STRING_SPANNING else arn_includes
    return any(compare(p, value) for p in patterns)


def _admits(condition: Condition, value: str, values: Values) -> bool:
    if isinstance(values, Outside):   # some value outside the patterns matches `value`
        return condition.base not in _OUTSIDE_OPERATORS or not _inside(value, values.patterns, condition)
    if isinstance(values, Fresh):
        return _may_match_fresh(condition, value)
    if isinstance(values, ArnIn):
        return _arn_admits(condition, value, values.account)
    if isinstance(values, UnnamedArnIn):
        parts = arn_parts(value)
        name = parts[-1] if parts else value
        return _arn_admits(condition, value, values.account) and _wild(condition) and has_wildcard(name)
    return _org_admits(condition, value, values.org)


def _covers(condition: Condition, value: str, values: Values) -> bool:
    if isinstance(values, Outside):   # every value outside the patterns matches `value`
        return condition.base in _OUTSIDE_OPERATORS and _wild(condition) and includes(value, "*")
    if isinstance(values, Fresh):
        return _covers_everything(condition, value)
    if isinstance(values, (ArnIn, UnnamedArnIn)):
        return _arn_covers(condition, value, values.account)
    return _org_covers(condition, value, values.org)


def _tautology(condition: Condition) -> bool:
    """True for every request, whatever the key holds or whether it is there."""
    return (condition.base != "Null" and holds_when_absent(condition) and not condition.negated
            and any(_covers_everything(condition, v) for v in condition.values))


def _present_values(condition: Condition, universal: bool) -> tuple[str, ...]:
    """The policy values with unresolved variables replaced by what the caller could choose:
    a wildcard where that lets the condition hold (as `can_hold` must assume), dropped where
    dropping does (the same for `must_hold`, the other way round)."""
    open_value = condition.negated == universal
    return tuple("*" if "${" in v and open_value else v for v in condition.values
                 if "${" not in v or open_value)


def _over(condition: Condition, values: Values, universal: bool) -> bool:
    if values is ABSENT:
        return holds_when_absent(condition)
    if condition.base == "Null":
        if values is FREE:
            return False if universal else True
        return any(v.lower() == "false" for v in condition.values)
    if values is FREE:
        return _tautology(condition) if universal else True
    if isinstance(values, Lit):
        return holds(condition, {condition.key: values.values}, variables=False)
    policy_values = _present_values(condition, universal)
    if universal:   # every value of the set satisfies it
        if condition.negated:
            return not any(_admits(condition, v, values) for v in policy_values)
        return any(_covers(condition, v, values) for v in policy_values)
    if condition.negated:
        return not any(_covers(condition, v, values) for v in policy_values)
    return any(_admits(condition, v, values) for v in policy_values)


def can_hold(condition: Condition, values: Values) -> bool:
    """The condition holds for some request whose key takes values from `values`."""
    return _over(condition, values, universal=False)


def must_hold(condition: Condition, values: Values) -> bool:
    """The condition holds for every request whose key takes values from `values`."""
    return _over(condition, values, universal=True)
