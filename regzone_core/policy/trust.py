"""Who a role trust policy lets assume the role: only named principals.

- AWS principals: `*` (or NotPrincipal, or conditions that admit any account) lets anyone assume
  the role; an account principal (`111122223333`, `arn:aws:iam::111122223333:root`) every
  principal of that account that has sts:AssumeRole in its own policies, unless a condition
  names the principals (aws:PrincipalArn or aws:userid without a wildcard in the name). A role
  or user ARN names its principal. (`grants.Grant.unnamed`; IAM User Guide, "AWS JSON policy
  elements: Principal", "Role trust policies".)
- Service principals: where AWS documents confused-deputy protection for the service's role
  (data/confused_deputy.json, with the page of each), the statement must bind the service to
  callers of named accounts or resources with aws:SourceAccount, aws:SourceArn or
  aws:SourceOrgID ("The confused deputy problem", IAM User Guide). Services that do not send
  those keys when they assume a role (EC2 for instance profiles) would be locked out by them,
  so they are not asked for there.
- Federated principals: an OpenID Connect provider must be limited to named subjects with a
  condition on its `sub` key (an IAM OIDC provider otherwise admits every identity the issuer
  signs a token for, e.g. every repository of a CI service: IAM User Guide, "Create a role for
  OpenID Connect federation"); Amazon Cognito identity pools need their `aud` key. SAML
  providers are the account's own identity provider, whose assertions name the roles.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regzone_core.policy.document import ALLOW, Policy, Principal, Statement, parse_policy
from regzone_core.policy.grants import grants
from regzone_core.policy.symbolic import ABSENT, Fresh, can_hold, must_hold

_DATA = Path(__file__).resolve().parent / "data" / "confused_deputy.json"
_COGNITO = "cognito-identity.amazonaws.com"


@dataclass(frozen=True)
class TrustProblem:
    statement: Statement
    principal: Principal
    reason: str

    @property
    def message(self) -> str:
        return f"{self.statement.label} lets {self.principal.kind} principal {self.principal.value} assume the role: " \
               f"{self.reason}"


@lru_cache(maxsize=1)
def confused_deputy_services() -> dict[str, str]:
    """Service principal -> the AWS page documenting aws:SourceAccount/SourceArn for its roles."""
    return json.loads(_DATA.read_text(encoding="utf-8"))["services"]


def _subject_key(provider: str) -> str | None:
    """The condition key that names the identities of a federated principal, or None (SAML)."""
    if provider == _COGNITO:
        return f"{_COGNITO}:aud"
    _, marker, host = provider.partition(":oidc-provider/")
    return f"{host.lower()}:sub" if marker else None


def _names_subjects(statement: Statement, key: str) -> bool:
    """Some condition requires `key` and does not match every value of it."""
    return any(c.key == key and not can_hold(c, ABSENT) and not must_hold(c, Fresh("subject"))
               for c in statement.conditions)


def _federated_problems(policy: Policy) -> list[TrustProblem]:
    problems = []
    for statement in policy.statements:
        if statement.effect != ALLOW or not statement.principals or statement.not_principal:
            continue
        for entry in statement.principals:
            key = _subject_key(entry.value) if entry.kind == "Federated" else None
            if key and not _names_subjects(statement, key):
                problems.append(TrustProblem(statement, entry, f"no condition on {key} names the identities "
                                             "that may use it, so every identity the provider issues can"))
    return problems


def trust_problems(policy: Policy | Mapping | str, *, account: str | None = None) -> list[TrustProblem]:
    """Why the trust policy admits principals it does not name; empty when it admits only named ones."""
    policy = parse_policy(policy)
    problems = []
    for grant in grants(policy, resource_account=account):
        entry = grant.principal
        if entry.kind == "AWS" and grant.open:
            who = "anonymous callers and any account" if grant.anonymous else "principals of any account"
            problems.append(TrustProblem(grant.statement, entry, f"it admits {who}"))
        elif entry.kind == "AWS" and grant.unnamed:
            accounts = ", ".join(sorted(grant.accounts)) or "an account"
            problems.append(TrustProblem(grant.statement, entry, f"every principal of {accounts} can, since no "
                                         "aws:PrincipalArn condition names the principals"))
        elif entry.kind == "Service" and grant.open and entry.value.lower() in confused_deputy_services():
            problems.append(TrustProblem(grant.statement, entry, "the service can be made to assume it for any "
                                         "account (confused deputy): bind it with aws:SourceAccount or "
                                         f"aws:SourceArn ({confused_deputy_services()[entry.value.lower()]})"))
    return problems + _federated_problems(policy)
