"""Condition operators, evaluated against a concrete request context.

Semantics and their sources (AWS IAM User Guide):

- "IAM JSON policy elements: Condition operators": what each operator compares (StringEquals is
  exact and case-sensitive, StringLike takes `*` and `?`, ...IgnoreCase folds case, ArnLike and
  ArnEquals match each of the six ARN components separately, Bool compares true/false, IpAddress
  takes CIDR ranges, Date* takes ISO 8601 dates or epoch seconds). A key absent from the request
  makes a condition false, except for negated operators (StringNotEquals, ArnNotLike, ...), where
  it is true; `...IfExists` is true when the key is absent; `Null` tests presence itself.
- "Conditions with multiple context keys or values": operators AND together, keys within an
  operator AND together, values of one key OR together, and NOR for a negated operator.
- "Set operators for multivalued context keys": ForAllValues is true when every request value
  matches (and when the key is absent or empty); ForAnyValue when at least one does (false when
  absent). A plain operator applied to several request values is taken as true when any value
  matches (positive) or none does (negated): AWS advises against that form; this is the reading
  that keeps NOR for negated operators.
- "Policy variables": with Version 2012-10-17, `${key}` in a value is replaced by the request's
  value of `key`, `${key, 'default'}` by the default when absent, and `${*}`, `${?}`, `${$}` by the
  literal characters. A value whose variable is absent matches nothing.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime, timezone

from regzone_core.policy.document import Condition
from regzone_core.policy.patterns import LITERAL_QUESTION, LITERAL_STAR, arn_matches, matches

Context = Mapping[str, tuple[str, ...]]   # lower-cased key -> the request's values

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": LITERAL_STAR, "?": LITERAL_QUESTION, "$": "$"}
_LITERAL_BACK = str.maketrans({LITERAL_STAR: "*", LITERAL_QUESTION: "?"})
POSITIVE_OF = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
               "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals", "DateNotEquals": "DateEquals",
               "NotIpAddress": "IpAddress", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


class _Absent(Exception):
    pass


def substitute(value: str, context: Context) -> str | None:
    """`value` with its policy variables replaced from `context`, or None if one is absent."""
    def replace(match: re.Match) -> str:
        inner = match.group(1).strip()
        if inner in _ESCAPES:
            return _ESCAPES[inner]
        key, comma, default = inner.partition(",")
        found = context.get(key.strip().lower())
        if found:
            return found[0]
        if comma:
            return default.strip().strip("'")
        raise _Absent
    try:
        return _VARIABLE.sub(replace, value)
    except _Absent:
        return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _compare(parse, relation):
    def compare(request: str, policy: str) -> bool:
        a, b = parse(request), parse(policy)
        return a is not None and b is not None and relation(a, b)
    return compare


def _ip(request: str, policy: str) -> bool:
    try:
        return ipaddress.ip_address(request) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


_RELATIONS = {
    "StringEquals": lambda r, p: r == p.translate(_LITERAL_BACK),
    "StringEqualsIgnoreCase": lambda r, p: r.casefold() == p.translate(_LITERAL_BACK).casefold(),
    "StringLike": lambda r, p: matches(p, r),
    "NumericEquals": _compare(_number, lambda a, b: a == b),
    "NumericLessThan": _compare(_number, lambda a, b: a < b),
    "NumericLessThanEquals": _compare(_number, lambda a, b: a <= b),
    "NumericGreaterThan": _compare(_number, lambda a, b: a > b),
    "NumericGreaterThanEquals": _compare(_number, lambda a, b: a >= b),
    "DateEquals": _compare(_date, lambda a, b: a == b),
    "DateLessThan": _compare(_date, lambda a, b: a < b),
    "DateLessThanEquals": _compare(_date, lambda a, b: a <= b),
    "DateGreaterThan": _compare(_date, lambda a, b: a > b),
    "DateGreaterThanEquals": _compare(_date, lambda a, b: a >= b),
    "Bool": lambda r, p: r.lower() == p.lower(),
    "BinaryEquals": lambda r, p: r == p,
    "IpAddress": _ip,
    "ArnEquals": lambda r, p: arn_matches(p, r),
    "ArnLike": lambda r, p: arn_matches(p, r),
}


def relation(base: str):
    """The positive comparison (request value, policy value) -> bool behind an operator."""
    return _RELATIONS[POSITIVE_OF.get(base, base)]


def value_holds(condition: Condition, request_value: str, policy_values: tuple[str, ...]) -> bool:
    """One request value against the policy values: OR, or NOR for a negated operator."""
    compare = relation(condition.base)
    hit = any(compare(request_value, v) for v in policy_values)
    return not hit if condition.negated else hit


def holds_when_absent(condition: Condition) -> bool:
    """The condition's value for a request without its key (and without values for it)."""
    if condition.base == "Null":
        return any(v.lower() == "true" for v in condition.values)
    if condition.if_exists or condition.qualifier == "ForAllValues":
        return True
    if condition.qualifier == "ForAnyValue":
        return False
    return condition.negated


def holds(condition: Condition, context: Context, *, variables: bool = True) -> bool:
    """The condition for a request whose context keys are `context` (lower-cased keys)."""
    present = context.get(condition.key) or ()
    if condition.base == "Null":
        return any(v.lower() == ("false" if present else "true") for v in condition.values)
    if not present:
        return holds_when_absent(condition)
    values = tuple(v for v in (substitute(v, context) if variables else v for v in condition.values)
                   if v is not None)
    results = [value_holds(condition, request_value, values) for request_value in present]
    if condition.qualifier == "ForAllValues":
        return all(results)
    if condition.qualifier == "ForAnyValue" or not condition.negated:
        return any(results)
    return all(results)   # plain negated operator over several request values: none may match
