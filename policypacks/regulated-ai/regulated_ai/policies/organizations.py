"""Service control policies (controls RAZ-ORG-001..004), judged by what the SCPs attached to each
organizational unit deny together (regzone_core.policy.guardrails), never by their shape.

An SCP is an `aws:organizations/policy:Policy` of type SERVICE_CONTROL_POLICY (the provider's
default type); it applies where an `aws:organizations/policyAttachment:PolicyAttachment` attaches
it. The units judged are every target of an SCP attachment in the stack and every unit the
settings name (`organizational_units`, unit -> its zone stacks' allowed Regions): a configured
unit with no guardrails attached is a violation too. An attachment of a policy this stack does not
create adds denies the gate cannot read; it is never credited.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.types import ORGANIZATIONS_POLICY, ORGANIZATIONS_POLICY_ATTACHMENT
from regzone.catalog import region_az_counts
from regzone_core.policy import PolicyError
from regzone_core.policy.guardrails import exemption_problems, guardrail_gaps, region_deny_gaps
from regzone_core.policy.scp import parse_scp

SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
ORGANIZATION = "aws:organizations/organization:Organization"
_BREAK_GLASS = re.compile(r"^arn:[^:]+:iam::[^:]*:role/[^/]+$")
_SHOWN = 6
# What the unit-level policies read: the SCPs and where they are attached (their coverage, regzone/coverage).
SCP_TYPES = (ORGANIZATIONS_POLICY, ORGANIZATIONS_POLICY_ATTACHMENT)


def is_scp(policy: ResourceView) -> bool:
    return policy.known("type", SERVICE_CONTROL_POLICY) == SERVICE_CONTROL_POLICY


def _content(policy: ResourceView) -> str:
    content = policy.known("content")
    if not isinstance(content, str):
        raise ValueError(f"SCP '{policy.name}' has no content")
    return content


def _attached(attachment: ResourceView, stack: StackView) -> ResourceView | None:
    """The SCP of this stack an attachment attaches: through its policyId dependency, else None."""
    for dependency in attachment.property_dependencies.get("policyId", []):
        if dependency.type == ORGANIZATIONS_POLICY:
            return dependency
    return None


def unit_scps(stack: StackView) -> dict[str, list[ResourceView]]:
    """Target id -> the SCPs of this stack attached to it; every configured unit is present."""
    units: dict[str, list[ResourceView]] = {unit: [] for unit in stack.settings.organizational_units}
    for attachment in stack.of_type(ORGANIZATIONS_POLICY_ATTACHMENT):
        target = attachment.known("targetId")
        policy = _attached(attachment, stack)
        if policy is not None and is_scp(policy):
            units.setdefault(str(target), []).append(policy)
    return units


def _partition(stack: StackView) -> str:
    arn = stack.settings.deployer_role_arn
    return arn.split(":")[1] if arn else "aws"


def break_glass_principals(stack: StackView) -> list[str]:
    """The IAM role ARNs of `break_glass_subjects` (Kubernetes subjects there are not SCP principals)."""
    return [s for s in stack.settings.break_glass_subjects if _BREAK_GLASS.match(s)]


def _summary(gaps: list[str]) -> str:
    shown = "; ".join(g.split("] ", 1)[-1] for g in gaps[:_SHOWN])
    return shown + (f"; and {len(gaps) - _SHOWN} more" if len(gaps) > _SHOWN else "")


def _units(stack: StackView) -> Iterator[tuple[str, list[ResourceView], list[str]]]:
    """(unit, its SCPs, their contents) for every unit the stack attaches SCPs to or configures."""
    for unit, policies in sorted(unit_scps(stack).items()):
        yield unit, policies, [_content(p) for p in policies]


def _unit_urn(policies: list[ResourceView]) -> str:
    return policies[0].urn if policies else ""


@resource_policy(
    "scp-document-valid",
    description="An SCP names no principal, parses as a policy and fits AWS Organizations' 5,120 characters.",
    controls=["RAZ-ORG-001", "RAZ-ORG-002", "RAZ-ORG-003", "RAZ-ORG-004"], types=[ORGANIZATIONS_POLICY])
def scp_document_valid(policy: ResourceView) -> Iterator[str]:
    if not is_scp(policy):
        return
    try:
        parse_scp(_content(policy))
    except PolicyError as err:
        yield f"SCP '{policy.name}' would not be accepted or not judged as written: {err}."
    except ValueError as err:
        yield f"SCP '{policy.name}' is not a JSON policy: {err}."


@resource_policy(
    "scp-region-deny-exemptions",
    description="A region-deny SCP statement exempts only actions of AWS's documented global services.",
    controls=["RAZ-ORG-001"], types=[ORGANIZATIONS_POLICY])
def scp_region_deny_exemptions(policy: ResourceView) -> Iterator[str]:
    if is_scp(policy):
        for problem in exemption_problems(_content(policy)):
            yield f"SCP '{policy.name}': {problem.split('] ', 1)[-1]}."


@resource_policy(
    "organization-scps-enabled",
    description="An organization this stack manages has all features and service control policies enabled.",
    controls=["RAZ-ORG-001", "RAZ-ORG-002", "RAZ-ORG-003", "RAZ-ORG-004"], types=[ORGANIZATION])
def organization_scps_enabled(organization: ResourceView) -> Iterator[str]:
    if organization.known("featureSet", "ALL") != "ALL":
        yield (f"organization '{organization.name}' has featureSet {organization.known('featureSet')!r}: SCPs need "
               "ALL features; set featureSet to ALL.")
    if SERVICE_CONTROL_POLICY not in (organization.known("enabledPolicyTypes", None) or []):
        yield (f"organization '{organization.name}' does not enable {SERVICE_CONTROL_POLICY} in enabledPolicyTypes: "
               "no SCP would apply; add it.")


@stack_policy(
    "scp-region-deny",
    description="The SCPs attached to each unit deny every regional action outside the unit's allowed Regions, "
                "for every principal.",
    controls=["RAZ-ORG-001"], types=SCP_TYPES)
def scp_region_deny(stack: StackView) -> Iterator[tuple[str, str]]:
    for unit, policies, documents in _units(stack):
        allowed = stack.settings.organizational_units.get(unit, stack.settings.allowed_regions)
        gaps = region_deny_gaps(documents, allowed, region_az_counts())
        if gaps:
            yield _unit_urn(policies), (f"unit {unit} (allowed Regions: {', '.join(allowed) or 'none'}): "
                                        f"{_summary(gaps)}. Attach the baseline's region deny "
                                        "(components/organization_guardrails.py) to the unit.")


def _guardrail_policy(control: str, what: str):
    def check(stack: StackView) -> Iterator[tuple[str, str]]:
        for unit, policies, documents in _units(stack):
            gaps = guardrail_gaps(documents, partition=_partition(stack), break_glass=break_glass_principals(stack),
                                  control=control)
            if gaps:
                yield _unit_urn(policies), (f"unit {unit}: {_summary(gaps)}. {what}")
    return check


scp_protections_break_glass_only = stack_policy(
    "scp-protections-break-glass-only",
    description="The SCPs attached to each unit deny the protected audit, key and account-setting actions to every "
                "principal but the break-glass role, and a key deletion window under 30 days to everyone.",
    controls=["RAZ-ORG-002"], types=SCP_TYPES)(_guardrail_policy(
        "RAZ-ORG-002", "Attach the baseline's guardrails SCP; exempt only the break-glass role "
                       "(settings break_glass_subjects, regzone-baseline:break_glass_role)."))

scp_imdsv2_required = stack_policy(
    "scp-imdsv2-required",
    description="The SCPs attached to each unit deny launching an instance, or switching one, without IMDSv2.",
    controls=["RAZ-ORG-003"], types=SCP_TYPES)(_guardrail_policy(
        "RAZ-ORG-003", "Attach the baseline's guardrails SCP; the IMDSv2 deny exempts no principal."))

scp_leave_organization_denied = stack_policy(
    "scp-leave-organization-denied",
    description="The SCPs attached to each unit deny leaving the organization to every principal.",
    controls=["RAZ-ORG-004"], types=SCP_TYPES)(_guardrail_policy(
        "RAZ-ORG-004", "Attach the baseline's guardrails SCP; leaving the organization has no exemption."))

