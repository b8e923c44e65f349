"""Service control policies above the regulated accounts (controls RAZ-ORG-001..004): the
preventive layer no deployment inside an account can undo.

Two SCPs per organizational unit, written from regzone_core/policy/data/guardrails.json (the data
the preview policies and evidence checks judge them by): a region deny for the union of the
allowed Regions of the zone stacks whose accounts sit in the unit, and the guardrails (audit,
key and account-setting protections except for the break-glass role; IMDSv2; staying in the
organization). Each statement's Sid starts with the control it serves.

AWS limits that the real API enforces and the component checks first (AWS Organizations User
Guide, "Quotas and service limits"): an SCP holds at most 5,120 characters, white space included,
so the documents are written without it; at most 5 SCPs attach to one OU, FullAWSAccess included.
SCPs attach only in the organization's management account (or a delegated administrator) and
never restrict that account itself.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from regzone_core.policy.guardrails import GuardrailStatement, break_glass_arn, load_guardrails
from regzone_core.policy.scp import MAX_SCP_CHARACTERS, MAX_SCPS_PER_TARGET

# The SCPs this component attaches to each unit, besides FullAWSAccess.
SCPS_PER_UNIT = 2


def _document(statements: list[dict]) -> str:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"), sort_keys=True)
    if len(text) > MAX_SCP_CHARACTERS:
        raise ValueError(f"an SCP of {len(text)} characters exceeds AWS Organizations' {MAX_SCP_CHARACTERS}; "
                         f"statements: {[s['Sid'] for s in statements]}")
    return text


def region_deny_document(allowed_regions: Sequence[str]) -> str:
    """Every action outside `allowed_regions`, except those of AWS's documented global services."""
    if not allowed_regions:
        raise ValueError("a region deny needs at least one allowed Region")
    return _document([{
        "Sid": "RAZORG001DenyOutsideAllowedRegions", "Effect": "Deny",
        "NotAction": list(load_guardrails().exempted_global), "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": sorted(set(allowed_regions))}}}])


def _statement(statement: GuardrailStatement, names: Mapping[str, str], condition: dict | None) -> dict:
    resources = statement.resolved(names)
    written = {"Sid": statement.sid, "Effect": "Deny", "Action": list(statement.actions),
               "Resource": resources[0] if len(resources) == 1 else list(resources)}
    if condition:
        written["Condition"] = condition
    return written


def guardrails_document(*, partition: str, break_glass_role: str | None) -> str:
    """The protections (every principal but the break-glass role) and the unconditional denies."""
    guardrails = load_guardrails()
    names = {"partition": partition, "account_trail": guardrails.account_trail,
             "audit_bucket_prefix": guardrails.audit_bucket_prefix, "break_glass_role": break_glass_role or ""}
    exempt = ({"ArnNotLike": {"aws:PrincipalArn": break_glass_arn(partition, break_glass_role)}}
              if break_glass_role else None)
    statements = [_statement(s, names, exempt) for s in guardrails.protected if not s.needs or names[s.needs]]
    statements += [_statement(s, names, dict(s.condition) if s.condition else None) for s in guardrails.unconditional]
    return _document(statements)


@dataclass
class OrganizationalUnitGuardrails:
    """One unit of regulated accounts and the Regions its zone stacks allow."""

    unit_id: str
    allowed_regions: Sequence[str]


@dataclass
class OrganizationGuardrailsArgs:
    units: Sequence[OrganizationalUnitGuardrails]
    partition: str = "aws"
    # The role name (in every member account) that may still change what the guardrails protect.
    break_glass_role: str | None = None
    # SCPs the organization attaches to these units besides FullAWSAccess and these (quota check).
    other_scps_per_unit: int = 0


class OrganizationGuardrails(pulumi.ComponentResource):
    """`guardrails` (one SCP for every unit) and `region_denies[unit_id]`, each attached to its unit."""

    guardrails: aws.organizations.Policy
    region_denies: dict[str, aws.organizations.Policy]

    def __init__(self, name: str, args: OrganizationGuardrailsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:organization:OrganizationGuardrails", name, None, opts)
        if not args.units:
            raise ValueError(f"OrganizationGuardrails {name}: no organizational unit to attach the guardrails to")
        ids = [u.unit_id for u in args.units]
        if len(set(ids)) != len(ids):
            raise ValueError(f"OrganizationGuardrails {name}: units repeat: {ids}")
        attached = 1 + SCPS_PER_UNIT + args.other_scps_per_unit   # FullAWSAccess, these, the others
        if attached > MAX_SCPS_PER_TARGET:
            raise ValueError(f"OrganizationGuardrails {name}: {attached} SCPs per unit exceed AWS Organizations' "
                             f"{MAX_SCPS_PER_TARGET} (FullAWSAccess, {SCPS_PER_UNIT} guardrails, "
                             f"{args.other_scps_per_unit} others)")
        # Kept on destroy: removing a guardrail must be a deliberate change in the organization.
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        self.guardrails = aws.organizations.Policy(
            f"{name}-guardrails", name="regzone-guardrails", type="SERVICE_CONTROL_POLICY",
            description="Regulated AI zones: audit, key and account settings protected; IMDSv2; stay in the organization",
            content=guardrails_document(partition=args.partition, break_glass_role=args.break_glass_role), opts=kept)
        self.region_denies = {}
        for unit in args.units:
            deny = aws.organizations.Policy(
                f"{name}-region-deny-{unit.unit_id}", name=f"regzone-region-deny-{unit.unit_id}",
                type="SERVICE_CONTROL_POLICY",
                description=f"Regulated AI zones: only {', '.join(sorted(set(unit.allowed_regions)))}",
                content=region_deny_document(unit.allowed_regions), opts=kept)
            for policy, label in ((self.guardrails, "guardrails"), (deny, "region-deny")):
                aws.organizations.PolicyAttachment(
                    f"{name}-{label}-{unit.unit_id}", policy_id=policy.id, target_id=unit.unit_id,
                    opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
            self.region_denies[unit.unit_id] = deny
        self.register_outputs({"guardrails": self.guardrails.id,
                               "region_denies": {k: v.id for k, v in self.region_denies.items()}})
