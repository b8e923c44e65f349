"""The verdicts preview policies and evidence checks both give on a document, worded once.

Each returns the problems found (empty: compliant) in the words both report, so that the pack's
policies (policypacks/regulated-ai) and the evidence checks (regzone/evidence) cannot disagree on
the same document; tests/policy_documents/cases.py holds the verdicts both must reach.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from regzone_core.policy.coverage import RequestSet, denies_all
from regzone_core.policy.document import Policy
from regzone_core.policy.grants import grants
from regzone_core.policy.kms import CallerUse, key_roles

Document = Policy | Mapping | str


def open_grants(policy: Document, account: str | None, *, cross_account: bool) -> list[str]:
    """Allow statements to AWS principals that admit anyone (no account or organization bound,
    judged by what their conditions and the document's Denies permit), and, if asked, those that
    admit accounts other than `account`; with no `account` to compare, grants to more than one
    account. Service principals are judged by their own rules."""
    problems = []
    named: set[str] = set()
    for grant in grants(policy, resource_account=account):
        if grant.principal.kind != "AWS":
            continue
        label, principal = grant.statement.label, grant.principal.value
        if grant.open:
            who = "anonymous callers and any account" if grant.anonymous else "callers of any account"
            problems.append(f"{label} allows principal {principal} ({who})")
        elif cross_account and account is not None:
            problems.extend(f"{label} allows {principal if principal != '*' else f'principal * of {other}'} "
                            f"outside account {account}" for other in grant.foreign_accounts(account))
        named |= grant.accounts
    if cross_account and account is None and len(named) > 1:
        problems.append(f"the policy allows principals of several accounts ({', '.join(sorted(named))})")
    return problems


def duty_conflicts(policy: Document, *, caller_use: Mapping[str, Sequence[CallerUse]] | None = None) -> list[str]:
    """Principals that may both administer and use a KMS key, with one action of each. Use that
    is exactly what AWS performs as a `caller_use` principal (the deployer) does not count."""
    roles = key_roles(policy, caller_use=caller_use)
    return [f"{p} may both administer ({min(roles.administers[p])}) and use ({min(roles.uses[p])}) the key"
            for p in roles.both]


def mixed_statements(policy: Document) -> list[str]:
    """Statements that grant both administration and use of a KMS key to the same principals."""
    return [f"{s.label} grants both key administration and use to the same principals"
            for s in key_roles(policy).mixed_statements]


def plain_http_requests(bucket_arn: str) -> RequestSet:
    """Every S3 action on the bucket and its objects, sent without TLS."""
    return RequestSet(actions=("s3:*",), resources=(bucket_arn, f"{bucket_arn}/*"),
                      context={"aws:SecureTransport": "false"})


def denies_plain_http(policy: Document | None, bucket_arn: str) -> bool:
    """A Deny of every S3 action, to everyone, on the bucket and its objects, when aws:SecureTransport
    is false, whatever else the request carries (one statement or several)."""
    return policy is not None and denies_all(policy, plain_http_requests(bucket_arn))
