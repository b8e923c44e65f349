"""IAM least privilege (controls RAZ-IAM-001..004): identity policies grant no service wholesale and
pass only named roles, IAM users hold no long-term credentials, trust policies admit only named
principals. Documents are judged by what they permit (regzone_core.policy.privilege and .trust),
in either form a program sends them: JSON text or a structured policy document."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from regulated_ai.framework import ResourceView, Unverifiable, is_unknown, resource_policy
from regulated_ai.types import IAM_USER_CREDENTIALS, IDENTITY_POLICY_DOCUMENTS, TRUST_POLICY_DOCUMENTS
from regzone_core.policy import PolicyError, parse_policy
from regzone_core.policy.document import Policy
from regzone_core.policy.privilege import WideGrant, service_wide, unbounded_pass_role
from regzone_core.policy.trust import trust_problems


def _values(resource: ResourceView, path: str) -> Iterator[tuple[str, Any]]:
    """(where, value) of each document at `path`; `a[].b` is `b` of every element of list `a`."""
    head, each, tail = path.partition("[].")
    if not each:
        yield path, resource.known(path)
        return
    for index, item in enumerate(resource.known(head) or []):
        value = item.get(tail) if isinstance(item, dict) else None
        if is_unknown(item) or is_unknown(value):
            raise Unverifiable(f"{head}[{index}].{tail}")
        yield f"{head}[{index}].{tail}", value


def _documents(resource: ResourceView, table: dict[str, tuple[str, ...]]) -> Iterator[tuple[str, Policy | str]]:
    """(where, parsed policy) per document; a document AWS would refuse comes back as the reason."""
    for path in table.get(resource.type, ()):
        for where, value in _values(resource, path):
            if value is None or value == "":
                continue
            try:
                yield where, parse_policy(value)
            except PolicyError as error:
                yield where, f"{resource.type} '{resource.name}' {where} is not a policy AWS accepts: {error}"


def _wide_messages(resource: ResourceView, finder, what: str) -> Iterator[str]:
    for where, policy in _documents(resource, IDENTITY_POLICY_DOCUMENTS):
        if isinstance(policy, str):
            yield policy
            continue
        grant: WideGrant
        for grant in finder(policy):
            yield (f"{resource.type} '{resource.name}' {where}: statement {grant.statement.label} allows "
                   f"{grant.actions} on {grant.resources}; {what}")


@resource_policy(
    "iam-policy-no-service-wide-grant",
    description="Identity policies may not allow `*`, a service-wide `svc:*` or NotAction on every resource.",
    controls=["RAZ-IAM-001"], types=IDENTITY_POLICY_DOCUMENTS)
def iam_policy_no_service_wide_grant(resource: ResourceView) -> Iterator[str]:
    yield from _wide_messages(resource, service_wide,
                              "that administers the whole service. Name the actions and resources the holder needs.")


@resource_policy(
    "iam-policy-pass-role-named",
    description="Identity policies may allow iam:PassRole only on named roles (or a role path), never on every role.",
    controls=["RAZ-IAM-002"], types=IDENTITY_POLICY_DOCUMENTS)
def iam_policy_pass_role_named(resource: ResourceView) -> Iterator[str]:
    yield from _wide_messages(resource, unbounded_pass_role,
                              "the holder could pass any role to a service and act with its permissions. "
                              "Set Resource to the ARNs (or path) of the roles it must pass.")


@resource_policy(
    "iam-no-user-long-term-credentials",
    description="IAM users may not get access keys, console passwords or other long-term credentials.",
    controls=["RAZ-IAM-003"], types=IAM_USER_CREDENTIALS)
def iam_no_user_long_term_credentials(credential: ResourceView) -> Iterator[str]:
    kind = credential.type.rsplit(":", 1)[-1]
    yield (f"{kind} '{credential.name}' gives IAM user {credential.get('user', credential.get('userName'))!r} a "
           "long-term credential: give people federated access (IAM Identity Center) and workloads IAM roles "
           "with short-lived credentials instead.")


@resource_policy(
    "iam-role-trust-named-principals",
    description="Role trust policies may admit only named principals: no `*`, no whole account without an "
                "aws:PrincipalArn condition, service principals bound against the confused deputy.",
    controls=["RAZ-IAM-004"], types=TRUST_POLICY_DOCUMENTS)
def iam_role_trust_named_principals(role: ResourceView) -> Iterator[str]:
    for where, policy in _documents(role, TRUST_POLICY_DOCUMENTS):
        if isinstance(policy, str):
            yield policy
            continue
        for problem in trust_problems(policy):
            yield f"role '{role.name}' {where}: {problem.message}."
