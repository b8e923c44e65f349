"""Separation of duties in a KMS key policy: who administers the key and who uses it.

Which actions are administration and which are use is catalogue data (`data/actions.json`, after
the AWS KMS Developer Guide's default key policy); wildcards and NotAction count for every
catalogued action they grant, so `kms:Create*` grants kms:CreateGrant (use) and `kms:*` both.

Every principal counts, the account root and `*` included: a root statement delegates to the
account's IAM policies ("Default key policy": "Allows access to the AWS account and enables IAM
policies"), so a policy that gives the root both duties separates nothing in the key policy.

One use is not a duty: what an AWS service performs with the key *as the caller* when the
caller creates or changes a resource that names it (`CallerUse`: through one service, for the
caller's own account, for AWS resources where the service creates grants, under the service's
encryption context). `key_roles` records such use apart for the principals it is told about
(the deployer), so that managing a key and creating the resources that use it is not a conflict.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from regzone_core.policy.catalogue import expand, service_actions
from regzone_core.policy.document import ALLOW, Condition, Policy, Statement, parse_policy
from regzone_core.policy.evaluation import account_of
from regzone_core.policy.symbolic import ABSENT, FREE, Fresh, Lit, Values, can_hold, must_hold

# The operations whose requests carry kms:GrantIsForAWSResource (AWS KMS Developer Guide,
# "kms:GrantIsForAWSResource").
GRANT_OPERATIONS = frozenset({"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"})


@dataclass(frozen=True)
class CallerUse:
    """What AWS performs with a key as the caller through one service (one row of a caller table),
    or, with no service, the one use a principal makes of the key itself (the deployer signing
    deployment records with the record-signing key, regzone/record)."""
    actions: frozenset[str]
    via_service: str | None                  # the service's name in kms:ViaService, e.g. "secretsmanager"
    grant_for_aws_resource: bool = False     # grant operations only with kms:GrantIsForAWSResource true
    encryption_context: tuple[str, ...] = ()  # kms:EncryptionContext:<name> keys the statement must bind


@dataclass(frozen=True)
class KeyRoles:
    # Principal -> the catalogued administration / use actions its Allow statements grant it.
    administers: Mapping[str, frozenset[str]]
    uses: Mapping[str, frozenset[str]]
    mixed_statements: tuple[Statement, ...]    # statements granting both administration and use
    # Principal -> use that is exactly what AWS performs as that caller (see CallerUse).
    caller_uses: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def administrators(self) -> frozenset[str]:
        return frozenset(self.administers)

    @property
    def users(self) -> frozenset[str]:
        return frozenset(self.uses)

    @property
    def both(self) -> list[str]:
        """Principals that administer and use the key, the account root and `*` included."""
        return sorted(self.administrators & self.users)


def granted_kms_actions(statement: Statement) -> frozenset[str]:
    return expand(statement.actions, "kms", negated=statement.not_action)


def _by_key(statement: Statement) -> dict[str, list[Condition]]:
    grouped: dict[str, list[Condition]] = {}
    for condition in statement.conditions:
        grouped.setdefault(condition.key, []).append(condition)
    return grouped


def _admits(conditions: list[Condition], values: Values) -> bool:
    return all(can_hold(c, values) for c in conditions)


def _only_values(conditions: list[Condition], allowed) -> bool:
    """The conditions on one key hold for no request without it, for no value the document does
    not name, and for none of the named values that `allowed` rejects."""
    if not conditions or _admits(conditions, ABSENT) or _admits(conditions, Fresh("value")):
        return False
    named = {v for c in conditions for v in c.values}
    return not any(_admits(conditions, Lit((v,))) for v in named if not allowed(v))


def _bound(conditions: list[Condition]) -> bool:
    """The conditions on one key hold for no request without it and not for every value."""
    return bool(conditions) and not _admits(conditions, ABSENT) and not all(must_hold(c, FREE) for c in conditions)


def within_caller_use(statement: Statement, use: CallerUse, account: str | None) -> bool:
    """The statement grants no more than `use`: only its actions, only through its service (when it
    names one), only for callers of `account` (any one account when None), with its grant and context conditions.
    Extra conditions only narrow a statement, so they are allowed."""
    granted = granted_kms_actions(statement)
    if not granted or not granted <= use.actions:
        return False
    keys = _by_key(statement)
    if use.via_service is not None:
        via = re.compile(rf"{re.escape(use.via_service)}\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
        if not _only_values(keys.get("kms:viaservice", []), lambda v: bool(via.fullmatch(v))):
            return False
    caller_accounts = keys.get("kms:calleraccount", [])
    if account is not None:
        if not _only_values(caller_accounts, lambda v: v == account):
            return False
    else:
        named = {v for c in caller_accounts for v in c.values if _admits(caller_accounts, Lit((v,)))}
        if len(named) != 1 or not _only_values(caller_accounts, named.__contains__):
            return False
    if use.grant_for_aws_resource and granted & GRANT_OPERATIONS:
        grant = keys.get("kms:grantisforawsresource", [])
        if not grant or _admits(grant, ABSENT) or _admits(grant, Lit(("false",))):
            return False
    return all(_bound(keys.get(f"kms:encryptioncontext:{name}".lower(), [])) for name in use.encryption_context)


def key_roles(policy: Policy | Mapping | str, *, caller_use: Mapping[str, Sequence[CallerUse]] | None = None
              ) -> KeyRoles:
    """Who the Allow statements make administrators and users of the key. Conditions are taken as
    met and Deny statements as absent: a role is counted wherever some request could hold it. Use
    that a statement grants a principal of `caller_use` within one of its CallerUse rows is kept
    apart (caller_uses), not counted as a user's duty."""
    policy = parse_policy(policy)
    caller_use = caller_use or {}
    administration, use = service_actions("kms", "administration"), service_actions("kms", "use")
    administers: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    caller_uses: dict[str, set[str]] = {}
    mixed = []
    for statement in policy.statements:
        if statement.effect != ALLOW or statement.principals is None:
            continue
        granted = granted_kms_actions(statement)
        principals = {"*"} if statement.not_principal else {p.value for p in statement.principals if p.kind == "AWS"}
        for principal in principals:
            if granted & administration:
                administers.setdefault(principal, set()).update(granted & administration)
            if not granted & use:
                continue
            rows = caller_use.get(principal, ())
            if any(within_caller_use(statement, row, account_of(principal)) for row in rows):
                caller_uses.setdefault(principal, set()).update(granted & use)
            else:
                uses.setdefault(principal, set()).update(granted & use)
        if granted & administration and granted & use:
            mixed.append(statement)
    return KeyRoles({p: frozenset(a) for p, a in administers.items()}, {p: frozenset(a) for p, a in uses.items()},
                    tuple(mixed), {p: frozenset(a) for p, a in caller_uses.items()})
