"""Service control policies (SCPs): what the SCPs above a member account let its principals do.

An SCP is an IAM-style document with no Principal: every statement applies to every IAM user and
role of the accounts below its target, and conditions on `aws:PrincipalArn` narrow it. What
AWS says, and where (AWS Organizations User Guide):

- "SCP syntax": `Principal` and `NotPrincipal` are not SCP elements; every character counts
  against the maximum size ("Quotas and service limits": 5,120 characters per SCP, at most 5 SCPs
  attached to one root, OU or account).
- "SCP evaluation": a request is allowed only if, at every level from the root down to the account,
  some SCP attached there allows it; an explicit Deny in any attached SCP wins. The AWS managed
  FullAWSAccess SCP allows everything and stays attached unless replaced.
- "Service control policies": SCPs do not restrict the management account, nor service-linked
  roles; they do restrict the member account's root user.
- IAM User Guide, "AWS global condition context keys": `aws:PrincipalArn` is the ARN of the role
  (not of the session) for a role session; `aws:RequestedRegion` is the Region the request is sent to.

So a request is judged here as one principal of one member account calling one action in one
Region; `decide` takes the SCPs attached at each level above that account.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from regzone_core.policy.document import ALLOW, DENY, Policy, PolicyError, Principal, parse_policy
from regzone_core.policy.evaluation import Decision, Request, matching_statements

MAX_SCP_CHARACTERS = 5120
MAX_SCPS_PER_TARGET = 5
FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_SESSION = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")
_SERVICE_LINKED = re.compile(r"^arn:[^:]+:iam::\d{12}:role/aws-service-role/")
_ACCOUNT = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")


def parse_scp(document: Any) -> Policy:
    """An SCP as a policy; PolicyError if it names a principal or exceeds the SCP size limit."""
    text = document if isinstance(document, str) else None
    try:
        raw = json.loads(document) if isinstance(document, (str, bytes)) else document
    except ValueError as error:
        raise PolicyError(f"the policy is not valid JSON: {error}") from None
    if isinstance(raw, Mapping):
        statements = raw.get("Statement")
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if isinstance(statement, Mapping) and ({"Principal", "NotPrincipal"} & set(statement)):
                raise PolicyError(f"Statement[{index}]: an SCP has no Principal or NotPrincipal (it applies to "
                                  "every principal of the accounts below its target); narrow it with a condition "
                                  "on aws:PrincipalArn instead")
    if text is not None and len(text) > MAX_SCP_CHARACTERS:
        raise PolicyError(f"the SCP has {len(text)} characters; AWS Organizations accepts at most "
                          f"{MAX_SCP_CHARACTERS} (every character counts, white space included)")
    return parse_policy(raw)


def is_service_linked_role(principal_arn: str) -> bool:
    return bool(_SERVICE_LINKED.match(principal_arn))


def principal_arn_of(caller: str) -> str:
    """`aws:PrincipalArn` of a caller: a role session reports its role (without the role's path,
    which a session ARN does not carry); users and roles report themselves."""
    session = _SESSION.match(caller)
    if session:
        partition, account, role = session.groups()
        return f"arn:{partition}:iam::{account}:role/{role}"
    return caller


def scp_request(caller: str, action: str, *, region: str, resource: str = "*",
                context: Mapping[str, object] | None = None) -> Request:
    """One call of `action` in `region` by `caller` (a user, role or role-session ARN), with the
    global keys an SCP condition reads."""
    account = _ACCOUNT.match(caller)
    keys: dict[str, object] = {"aws:PrincipalArn": principal_arn_of(caller), "aws:RequestedRegion": region}
    if account:
        keys["aws:PrincipalAccount"] = account.group(1)
    return Request(Principal("AWS", caller), action, resource, {**keys, **(context or {})})


def decide(levels: Sequence[Sequence[Any]], request: Request) -> Decision:
    """The SCPs' decision for `request` from a member account: `levels` holds the SCPs attached at
    each level from the root to the account. A service-linked role is never restricted."""
    if not levels:
        raise ValueError("an account below no root has no SCPs to evaluate; give the SCPs of each level")
    if is_service_linked_role(principal_arn_of(request.principal.value)):
        return Decision.ALLOW
    parsed = [[parse_scp(document) for document in level] for level in levels]
    if any(any(matching_statements(p, request, DENY)) for level in parsed for p in level):
        return Decision.EXPLICIT_DENY
    if all(any(any(matching_statements(p, request, ALLOW)) for p in level) for level in parsed):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
