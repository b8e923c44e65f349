"""An IAM-style policy document (identity, trust, key, bucket, repository or endpoint policy) read
into normalised statements, so that no caller depends on the shapes one document can take.

What is normalised, and where AWS says so (AWS IAM User Guide, "IAM JSON policy element
reference" and its pages per element):

- `Statement` may be one object or a list of objects; `Action`, `Resource`, principal values and
  condition values may be one string or a list.
- `"Principal": "*"` and `"Principal": {"AWS": "*"}` both mean everyone ("Principal" page:
  "the following elements are equivalent"); a `*` inside a list counts the same. A wildcard in
  part of a principal ARN is not allowed ("you cannot use a wildcard to match part of a
  principal name or ARN"), so such a document is rejected here as AWS would reject it.
- `NotPrincipal`, `NotAction` and `NotResource` are kept as the negation of their list.
- No `Principal`: an identity policy, whose statements apply to the identity it is attached to.
  No `Resource`: a resource policy that applies to the resource it is attached to (ECR repository
  policies and trust policies are written that way). Both are kept as None (any).
- Condition keys are case-insensitive ("Condition" page: "condition key names are not case
  sensitive") and stored lower-cased; operator names must be one of the documented operators,
  optionally with a `ForAllValues:`/`ForAnyValue:` set qualifier and an `IfExists` suffix.
  Booleans and numbers in condition values become the strings AWS compares.

A document that cannot be read this way raises `PolicyError` naming the element and what would be
valid: what cannot be evaluated is never taken as harmless.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from regzone_core.policy.patterns import has_wildcard

ALLOW, DENY = "Allow", "Deny"
EVERYONE = "*"
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
# "Condition operators" page: every operator family; each but Null takes an IfExists suffix.
OPERATORS = frozenset({
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null"})
QUALIFIERS = ("ForAllValues", "ForAnyValue")
_STATEMENT_ELEMENTS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                                 "Resource", "NotResource", "Condition"})
_DOCUMENT_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_VERSIONS = ("2012-10-17", "2008-10-17")


class PolicyError(ValueError):
    """The document is not a policy AWS would accept; the message names the element."""


@dataclass(frozen=True)
class Principal:
    kind: str    # AWS, Service, Federated, CanonicalUser (and Anonymous for a request)
    value: str   # "*" for everyone

    @property
    def is_everyone(self) -> bool:
        return self.value == EVERYONE


@dataclass(frozen=True)
class Condition:
    operator: str            # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str                # e.g. "StringLike"
    qualifier: str | None    # "ForAllValues", "ForAnyValue" or None
    if_exists: bool
    key: str                 # lower-cased
    values: tuple[str, ...]

    @property
    def negated(self) -> bool:
        """Negated matching: the values combine with NOR ("Conditions with multiple context keys or values")."""
        return "Not" in self.base


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str | None
    effect: str
    principals: tuple[Principal, ...] | None   # None: no Principal element (identity policy)
    not_principal: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None          # None: no Resource element (the attached resource)
    not_resource: bool
    conditions: tuple[Condition, ...]

    @property
    def label(self) -> str:
        return self.sid or f"statement {self.index}"


@dataclass(frozen=True)
class Policy:
    version: str | None
    statements: tuple[Statement, ...]

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are replaced only under version 2012-10-17 ("Policy variables" page)."""
        return self.version == "2012-10-17"


def _strings(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{where} must be a string or a non-empty list of strings, got {value!r}")
    return tuple(values)


def _condition_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise PolicyError(f"{where} values must be strings, numbers or booleans, got {value!r}")


def _principals(value: Any, where: str) -> tuple[Principal, ...]:
    if value == EVERYONE:
        return (Principal("AWS", EVERYONE),)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{where} must be "*" or an object such as {{"AWS": [...]}}, got {value!r}')
    principals = []
    for kind, entries in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise PolicyError(f"{where} has unknown principal type {kind!r}; valid: {', '.join(PRINCIPAL_KINDS)}")
        for entry in _strings(entries, f"{where}.{kind}"):
            if entry != EVERYONE and has_wildcard(entry):
                raise PolicyError(f"{where}.{kind} {entry!r}: a wildcard may stand only for the whole principal")
            principals.append(Principal(kind, entry))
    return tuple(principals)


def _conditions(block: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        raise PolicyError(f"{where} must be an object of operator -> {{key: values}}, got {block!r}")
    conditions = []
    for operator, keys in block.items():
        qualifier, _, base = operator.rpartition(":")
        if qualifier and qualifier not in QUALIFIERS:
            raise PolicyError(f"{where} operator {operator!r}: the set qualifier must be ForAllValues or ForAnyValue")
        if_exists = base.endswith("IfExists") and base != "IfExists"
        base = base.removesuffix("IfExists") if if_exists else base
        if base not in OPERATORS or (if_exists and base == "Null"):
            raise PolicyError(f"{where} has unknown condition operator {operator!r}; see the IAM condition "
                              "operators (StringEquals, StringLike, ArnLike, Bool, Null, ...)")
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(f"{where}.{operator} must be a non-empty object of key -> values")
        for key, raw in keys.items():
            raw_values = raw if isinstance(raw, list) else [raw]
            values = tuple(_condition_value(v, f"{where}.{operator}.{key}") for v in raw_values)
            conditions.append(Condition(operator, base, qualifier or None, if_exists, str(key).lower(), values))
    return tuple(conditions)


def _statement(index: int, raw: Any) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object, got {type(raw).__name__}")
    unknown = set(raw) - _STATEMENT_ELEMENTS
    if unknown:
        raise PolicyError(f"{where} has unknown elements {sorted(unknown)}; valid: {sorted(_STATEMENT_ELEMENTS)}")
    where = f"{where} ({raw['Sid']})" if isinstance(raw.get("Sid"), str) and raw["Sid"] else where
    effect = raw.get("Effect")
    if effect not in (ALLOW, DENY):
        raise PolicyError(f"{where} Effect must be Allow or Deny, got {effect!r}")

    def one_of(name: str, required: bool) -> tuple[Any, bool]:
        has, has_not = name in raw, f"Not{name}" in raw
        if has and has_not:
            raise PolicyError(f"{where} has both {name} and Not{name}; use one")
        if required and not (has or has_not):
            raise PolicyError(f"{where} has neither {name} nor Not{name}")
        return (raw.get(f"Not{name}"), True) if has_not else (raw.get(name), False)

    principal, not_principal = one_of("Principal", False)
    action, not_action = one_of("Action", True)
    resource, not_resource = one_of("Resource", False)
    return Statement(
        index=index, sid=raw.get("Sid") if isinstance(raw.get("Sid"), str) else None, effect=effect,
        principals=None if principal is None else _principals(principal, f"{where} {'Not' * not_principal}Principal"),
        not_principal=not_principal,
        actions=_strings(action, f"{where} {'Not' * not_action}Action"), not_action=not_action,
        resources=None if resource is None else _strings(resource, f"{where} {'Not' * not_resource}Resource"),
        not_resource=not_resource,
        conditions=_conditions(raw["Condition"], f"{where} Condition") if "Condition" in raw else ())


def parse_policy(document: Any) -> Policy:
    """A policy from JSON text, a dict, or an already parsed Policy; PolicyError if malformed."""
    if isinstance(document, Policy):
        return document
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise PolicyError(f"the policy is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PolicyError(f"a policy must be a JSON object, got {type(document).__name__}")
    unknown = set(document) - _DOCUMENT_ELEMENTS
    if unknown:
        raise PolicyError(f"the policy has unknown elements {sorted(unknown)}; valid: Version, Id, Statement")
    version = document.get("Version")
    if version is not None and version not in _VERSIONS:
        raise PolicyError(f"Version must be one of {', '.join(_VERSIONS)}, got {version!r}")
    raw = document.get("Statement")
    if raw is None:
        raise PolicyError("the policy has no Statement")
    raw_statements = raw if isinstance(raw, list) else [raw]
    return Policy(version, tuple(_statement(i, s) for i, s in enumerate(raw_statements)))
