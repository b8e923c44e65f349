"""The decision one policy document makes for one concrete request.

Follows "Policy evaluation logic" (AWS IAM User Guide) for a single policy: a matching Deny
statement wins (explicit deny), else a matching Allow allows, else the request is implicitly
denied. A statement matches when its principal, action, resource and every condition match:

- Principal: `*` matches every caller, anonymous ones included. An account (`123456789012` or
  `arn:aws:iam::123456789012:root`) matches every principal of that account: the account then
  decides through its own IAM policies ("AWS JSON policy elements: Principal", AWS account
  principals). A role ARN matches the role and its sessions (`arn:aws:sts::...:assumed-role/name/...`).
  Service, Federated and CanonicalUser principals match the same value. NotPrincipal matches
  every caller unless the caller and its account are both listed. A statement without Principal
  (identity policy) matches the identity it is attached to, whoever that is.
- Action: case-insensitive, with `*`/`?` ("Action" page); NotAction matches every other action.
- Resource: component by component with `*`/`?`; NotResource matches every other resource;
  without Resource, the resource the policy is attached to.
- Condition: `regzone_core.policy.conditions`. Policy variables in Resource and Condition values
  are substituted from the request context under Version 2012-10-17.

Only this one document is judged: what other policies (SCPs, permission boundaries, the
caller's own identity policies, session policies) add is outside it.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from regzone_core.policy.conditions import Context, holds, substitute
from regzone_core.policy.document import ALLOW, DENY, Policy, Principal, Statement, parse_policy
from regzone_core.policy.patterns import arn_matches, matches

ANONYMOUS = Principal("Anonymous", "anonymous")
_ACCOUNT_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")
_ACCOUNT_OF = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")
_ASSUMED_ROLE = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/")
_ROLE = re.compile(r"^arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$")


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)


def normalise_context(context: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Lower-cased keys; every value a tuple of strings (booleans as true/false)."""
    normalised = {}
    for key, value in context.items():
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        normalised[str(key).lower()] = tuple(
            ("true" if v else "false") if isinstance(v, bool) else str(v) for v in values if v is not None)
    return normalised


def account_of(principal_value: str) -> str | None:
    """The account an AWS principal value names: an account id, or the account in an IAM/STS ARN."""
    if re.fullmatch(r"\d{12}", principal_value):
        return principal_value
    match = _ACCOUNT_OF.match(principal_value)
    return match.group(1) if match else None


def is_account_principal(principal_value: str) -> bool:
    """`123456789012` or `arn:aws:iam::123456789012:root`: every principal of the account."""
    return bool(re.fullmatch(r"\d{12}", principal_value) or _ACCOUNT_ROOT.match(principal_value))


def _principal_matches(entry: Principal, caller: Principal) -> bool:
    if entry.is_everyone:
        return True
    if entry.kind != caller.kind:
        return False
    if entry.kind != "AWS":
        return entry.value.lower() == caller.value.lower() if entry.kind == "Service" else entry.value == caller.value
    if is_account_principal(entry.value):
        return account_of(entry.value) == account_of(caller.value)
    if entry.value == caller.value:
        return True
    role, session = _ROLE.match(entry.value), _ASSUMED_ROLE.match(caller.value)
    return bool(role and session and role.groups() == session.groups())


def _exempt(entries: tuple[Principal, ...], caller: Principal) -> bool:
    """NotPrincipal leaves out a caller only when every identity the request carries is listed:
    the user or role (session) and its account ("NotPrincipal" page: with Deny, list the account
    ARN too, or the account, and so the user, is denied)."""
    if any(entry.is_everyone for entry in entries):
        return True
    if caller.kind != "AWS":
        return any(_principal_matches(entry, caller) for entry in entries)
    account = account_of(caller.value)
    account_listed = any(e.kind == "AWS" and is_account_principal(e.value) and account_of(e.value) == account
                         for e in entries)
    named = is_account_principal(caller.value) or any(
        e.kind == "AWS" and not is_account_principal(e.value) and _principal_matches(e, caller) for e in entries)
    return account_listed and named


def principal_matches(statement: Statement, caller: Principal) -> bool:
    if statement.principals is None:
        return True
    if statement.not_principal:
        return not _exempt(statement.principals, caller)
    return any(_principal_matches(entry, caller) for entry in statement.principals)


def action_matches(statement: Statement, action: str) -> bool:
    hit = any(matches(pattern, action, ignore_case=True) for pattern in statement.actions)
    return not hit if statement.not_action else hit


def resource_matches(statement: Statement, resource: str, context: Context, variables: bool) -> bool:
    if statement.resources is None:
        return True
    patterns = (substitute(p, context) if variables else p for p in statement.resources)
    hit = any(p is not None and arn_matches(p, resource) for p in patterns)
    return not hit if statement.not_resource else hit


def statement_matches(statement: Statement, request: Request, *, variables: bool = True) -> bool:
    context = normalise_context(request.context)
    return (principal_matches(statement, request.principal) and action_matches(statement, request.action)
            and resource_matches(statement, request.resource, context, variables)
            and all(holds(c, context, variables=variables) for c in statement.conditions))


def matching_statements(policy, request: Request, effect: str) -> Iterable[Statement]:
    policy = parse_policy(policy)
    return (s for s in policy.statements if s.effect == effect
            and statement_matches(s, request, variables=policy.substitutes_variables))


def evaluate(policy: Policy | Mapping | str, request: Request) -> Decision:
    """Explicit deny, else allow, else implicit deny, for this one document."""
    policy = parse_policy(policy)
    if any(matching_statements(policy, request, DENY)):
        return Decision.EXPLICIT_DENY
    if any(matching_statements(policy, request, ALLOW)):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
