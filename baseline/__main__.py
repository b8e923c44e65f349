"""The account and organization baseline: what exists once per account (scope account) or once per
organization (scope organization), configured from the zone stacks it governs (regzone/config/baseline.py).

Zone stacks reference this stack's outputs (regzone:baseline_stack) instead of creating their own copies.
"""
import pulumi
import pulumi.runtime.config as runtime_config
import pulumi_aws as aws

from components.account_baseline import AccountBaseline, AccountBaselineArgs
from components.organization_guardrails import (OrganizationalUnitGuardrails, OrganizationGuardrails,
                                                OrganizationGuardrailsArgs)
from regzone.config import ConfigError
from regzone.config.baseline import BASELINE_LABEL, parse_baseline_config
from regzone.tags import (NO_DATA_CLASS, TAG_CHANGE_REF, TAG_DATA_CLASS, TAG_ENVIRONMENT, TAG_MANAGED_BY,
                          TAG_OWNER, TAG_ZONE)

try:
    baseline = parse_baseline_config({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()},
                                     pulumi.get_stack(), f"baseline/Pulumi.{pulumi.get_stack()}.yaml")
except ConfigError as err:
    raise pulumi.RunError(str(err)) from None

settings = baseline.settings
tags = {TAG_OWNER: settings.owner, TAG_ZONE: BASELINE_LABEL, TAG_DATA_CLASS: NO_DATA_CLASS,
        TAG_ENVIRONMENT: settings.environment, TAG_CHANGE_REF: settings.change_ref, TAG_MANAGED_BY: "pulumi"}

if settings.scope == "organization":
    # AWS Organizations is global: one provider, in the management account's home Region.
    provider = aws.Provider("organization-aws", region=baseline.region, default_tags={"tags": tags})
    scps = settings.service_control_policies
    guardrails = OrganizationGuardrails("regzone-organization", OrganizationGuardrailsArgs(
        units=[OrganizationalUnitGuardrails(unit.id, baseline.unit_regions(unit)) for unit in scps.units],
        partition=baseline.partition, break_glass_role=settings.break_glass_role,
        other_scps_per_unit=scps.other_scps_per_unit), opts=pulumi.ResourceOptions(providers=[provider]))
    pulumi.export("guardrails_policy_id", guardrails.guardrails.id)
    pulumi.export("units", {unit.id: {"allowed_regions": baseline.unit_regions(unit),
                                      "region_deny_policy_id": guardrails.region_denies[unit.id].id,
                                      "zone_stacks": list(unit.zone_stacks)} for unit in scps.units})
else:
    providers = {region: aws.Provider(f"account-aws-{region}", region=region, default_tags={"tags": tags})
                 for region in baseline.allowed_regions}
    account = AccountBaseline(BASELINE_LABEL, AccountBaselineArgs(baseline=baseline, providers=providers))
    # Read by the zone stacks (regzone:baseline_stack) through a StackReference: components/baseline_outputs.py.
    pulumi.export("account_id", baseline.account_id)
    pulumi.export("allowed_regions", baseline.allowed_regions)
    pulumi.export("zone_stacks", sorted(baseline.zone_stacks))
    pulumi.export("management_trail_arn", account.trail.trail.arn if account.trail else baseline.management_trail_arn)
    pulumi.export("autoscaling_service_linked_role_arn",
                  account.autoscaling_role.arn if account.autoscaling_role else None)
    pulumi.export("ebs_default_key_arns", {region: keys.key_arns["volumes"] for region, keys in account.keys.items()})
    pulumi.export("registry_scanning_regions",
                  sorted(account.registry_settings.scanning) if account.registry_settings else [])
    if account.audit_bucket is not None:
        pulumi.export("audit_bucket", account.audit_bucket.bucket.bucket)
