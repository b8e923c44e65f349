"""Principals named in the stack's policies exist or are created by the stack (control RAZ-DEP-003).

KMS and resource policies refuse a principal AWS cannot resolve when the policy is set (AWS KMS API
reference, PutKeyPolicy: "The principals in the key policy must exist and be visible to AWS KMS").
Two kinds a preview can judge (regzone_core.policy.principals):
- a service-linked role (`role/aws-service-role/<service>/...`) exists only once the account has
  it: the stack must create it (aws:iam/serviceLinkedRole) or the stack config must say it exists
  (pack setting existing_service_linked_roles, which `regzone pack-config` derives from the
  account baseline's `regzone-baseline:autoscaling_service_linked_role`: a zone stack always finds
  the baseline's role existing, the baseline itself only with `existing`);
- a service principal must be a well-formed AWS service principal (a typo such as
  `cloudtrial.amazonaws.com` is refused or never matches).
Every JSON policy document in any input of any resource is read (found by its Statement).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from regulated_ai.framework import StackView, is_unknown, reference, stack_policy
from regulated_ai.types import IAM_SERVICE_LINKED_ROLE
from regzone_core.policy import Policy, PolicyError, parse_policy
from regzone_core.policy.principals import service_linked_role, service_principal_problem


def _documents(value: Any, path: str = "") -> Iterator[tuple[str, Policy]]:
    """(input path, policy) for every policy document in a resource's inputs. A document that is not
    an IAM-style policy (a data protection policy, a lifecycle policy) is judged by its own rules."""
    if isinstance(value, dict):
        if "Statement" in value:
            try:
                yield path, parse_policy(value)
            except PolicyError:
                pass
            return
        for key, item in value.items():
            yield from _documents(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _documents(item, f"{path}[{index}]")
    elif not is_unknown(value) and isinstance(value, str) and value.lstrip().startswith("{") and '"Statement"' in value:
        try:
            yield from _documents(json.loads(value), path)
        except ValueError:
            pass


def reads_every_resource(type_token: str) -> bool:
    """The policy reads the inputs of every resource, of any type, for policy documents."""
    return True


@stack_policy(
    "policy-principals-exist",
    description="Service-linked roles named in policies are created by the stack or declared existing; service "
                "principals are well-formed AWS service principals.",
    controls=["RAZ-DEP-003"], types=reads_every_resource)
def policy_principals_exist(stack: StackView) -> Iterator[tuple[str, str]]:
    created = {r.get("awsServiceName") for r in stack.of_type(IAM_SERVICE_LINKED_ROLE)}
    existing = set(stack.settings.existing_service_linked_roles)
    for resource in stack.resources:
        # Scans every input for documents by their shape: an unknown input is not known to be one
        # (documents at the inputs that hold them are judged, unknowns reported, by the IAM policies).
        for path, policy in _documents(reference(resource.props)):
            for statement in policy.statements:
                for principal in statement.principals or ():
                    where = f"'{resource.name}' {path} ({statement.label})"
                    if principal.kind == "Service":
                        problem = service_principal_problem(principal.value)
                        if problem:
                            yield resource.urn, f"{where}: {problem}."
                        continue
                    linked = service_linked_role(principal.value) if principal.kind == "AWS" else None
                    if linked is None or linked[0] in created or linked[0] in existing:
                        continue
                    service, name = linked
                    yield resource.urn, (
                        f"{where} names the service-linked role {name} of {service}, which this stack does not create "
                        "and the stack config does not declare existing: AWS refuses a policy whose principal does "
                        f"not exist. Create it (aws.iam.ServiceLinkedRole with aws_service_name={service}) or, if the "
                        f"account has it, declare it (for Auto Scaling: the account baseline's "
                        "regzone-baseline:autoscaling_service_linked_role, which the pack config carries as "
                        "existing_service_linked_roles).")
