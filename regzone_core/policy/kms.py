"""Separation of duties in a KMS key policy: who administers the key and who uses it.

Which actions are administration and which are use is catalogue data (`data/actions.json`, after
the AWS KMS Developer Guide's default key policy); wildcards and NotAction count for every
catalogued action they grant, so `kms:Create*` grants kms:CreateGrant (use) and `kms:*` both.
The account root principal is left out: it delegates to the account's IAM policies, which then
carry the separation ("Default key policy": "Allows access to the AWS account and enables IAM
policies").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from regzone_core.policy.catalogue import expand, service_actions
from regzone_core.policy.document import ALLOW, Policy, Statement, parse_policy
from regzone_core.policy.evaluation import is_account_principal


@dataclass(frozen=True)
class KeyRoles:
    # Principal -> the catalogued administration / use actions its Allow statements grant it.
    administers: Mapping[str, frozenset[str]]
    uses: Mapping[str, frozenset[str]]
    mixed_statements: tuple[Statement, ...]    # statements granting both administration and use

    @property
    def administrators(self) -> frozenset[str]:
        return frozenset(self.administers)

    @property
    def users(self) -> frozenset[str]:
        return frozenset(self.uses)

    @property
    def both(self) -> list[str]:
        """Principals other than the account that administer and use the key."""
        return sorted(p for p in self.administrators & self.users if p != "*" and not is_account_principal(p))


def granted_kms_actions(statement: Statement) -> frozenset[str]:
    return expand(statement.actions, "kms", negated=statement.not_action)


def key_roles(policy: Policy | Mapping | str) -> KeyRoles:
    """Who the Allow statements make administrators and users of the key. Conditions are taken as
    met and Deny statements as absent: a role is counted wherever some request could hold it."""
    policy = parse_policy(policy)
    administration, use = service_actions("kms", "administration"), service_actions("kms", "use")
    administers: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    mixed = []
    for statement in policy.statements:
        if statement.effect != ALLOW or statement.principals is None:
            continue
        granted = granted_kms_actions(statement)
        principals = {"*"} if statement.not_principal else {p.value for p in statement.principals if p.kind == "AWS"}
        for principal in principals:
            if granted & administration:
                administers.setdefault(principal, set()).update(granted & administration)
            if granted & use:
                uses.setdefault(principal, set()).update(granted & use)
        if granted & administration and granted & use:
            mixed.append(statement)
    return KeyRoles({p: frozenset(a) for p, a in administers.items()}, {p: frozenset(a) for p, a in uses.items()},
                    tuple(mixed))
