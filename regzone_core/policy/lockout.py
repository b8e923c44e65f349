"""KMS's lockout safety check: may the principal that sets a key policy change it again?

CreateKey and PutKeyPolicy refuse a policy that would not let the caller make a later
PutKeyPolicy request (AWS KMS API reference, PutKeyPolicy `BypassPolicyLockoutSafetyCheck`: "the
policy must allow the principal that is making the PutKeyPolicy request to make a subsequent
PutKeyPolicy request on the KMS key"; AWS KMS Developer Guide, "Default key policy"). The caller
of a deployment is a session of the deployer role, so the request judged is PutKeyPolicy by such a
session, with the context keys every such request carries (AWS IAM User Guide, "AWS global
condition context keys": aws:PrincipalArn is the role's ARN for a role session). Deny statements
count. An Allow that admits the caller only through its account principal delegates the decision
to the account's IAM policies ("Allows access to the AWS account and enables IAM policies"): the
check passes, and whether the role's IAM policy allows it is outside the document.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from regzone_core.policy.document import ALLOW, Policy, Principal, Statement, parse_policy
from regzone_core.policy.evaluation import Decision, Request, evaluate, matching_statements

_ROLE = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)$")
SESSION_NAME = "regzone-deploy"


@dataclass(frozen=True)
class Lockout:
    decision: Decision
    allowed_by: tuple[Statement, ...]   # the Allow statements that admit the request
    through_account: bool               # admitted only through an account principal (IAM decides)

    @property
    def keeps_caller(self) -> bool:
        return self.decision is Decision.ALLOW


def role_session(role_arn: str, session_name: str = SESSION_NAME) -> tuple[Principal, dict[str, object]]:
    """A session of the role `role_arn` and the principal keys its requests carry (aws:PrincipalArn
    is the role's ARN, kms:CallerAccount and aws:PrincipalAccount its account)."""
    match = _ROLE.match(role_arn)
    if match is None:
        raise ValueError(f"{role_arn!r} is not an IAM role ARN")
    partition, account, name = match.group("partition", "account", "name")
    session = f"arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}"
    return Principal("AWS", session), {
        "aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account, "kms:CallerAccount": account,
        "aws:PrincipalType": "AssumedRole", "aws:PrincipalIsAWSService": False, "aws:SecureTransport": True}


def put_key_policy_request(role_arn: str, key_arn: str) -> Request:
    """PutKeyPolicy on `key_arn` by a session of the role `role_arn`."""
    principal, context = role_session(role_arn)
    return Request(principal, "kms:PutKeyPolicy", key_arn, context)


def _names_caller(statement: Statement, role_arn: str) -> bool:
    return statement.not_principal or any(p.is_everyone or p.value == role_arn for p in statement.principals or ())


def lockout(policy: Policy | Mapping | str, role_arn: str, key_arn: str) -> Lockout:
    """Whether the key policy lets a session of `role_arn` put a key policy again."""
    policy = parse_policy(policy)
    request = put_key_policy_request(role_arn, key_arn)
    decision = evaluate(policy, request)
    allowed_by = tuple(matching_statements(policy, request, ALLOW)) if decision is Decision.ALLOW else ()
    return Lockout(decision, allowed_by, bool(allowed_by) and not any(_names_caller(s, role_arn) for s in allowed_by))
