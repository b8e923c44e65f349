"""AccountBaseline: what exists once per regulated account, owned by one stack so that no zone
creates, overwrites or resets it (controls RAZ-LOG-001..003, RAZ-AUD-001, RAZ-S3-002,
RAZ-ORG-005, RAZ-ORG-006, RAZ-ECR-002).

- The account's management-event trail: multi-Region with global service events, log-file
  validation, encrypted with the baseline's audit key, into a WORM bucket (Object Lock COMPLIANCE
  for the longest retention of any governed zone), unless an organization trail records the
  account (`regzone-baseline:organization_trail_arn`). One trail instead of one per zone stack:
  every further trail recording management events is billed, and a Region holds at most 5 trails
  (CloudTrail user guide, "Quotas in AWS CloudTrail").
- The account settings (components/account_settings.py).
- ECR registry scanning and replication (components/registry_settings.py), for every governed zone.
- The EC2 Auto Scaling service-linked role (components/autoscaling_role.py), which the volumes keys
  of the zones and the EBS default key name.

Keys reuse ZoneKeys under the label `regzone-account`: the audit key in the home Region, a
volumes key in every allowed Region (EBS needs a key in the volume's own Region).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.account_settings import AccountSettings, AccountSettingsArgs
from components.audit_bucket import AuditBucket, AuditBucketArgs
from components.audit_trail import AuditTrail, AuditTrailArgs
from components.autoscaling_role import AutoScalingServiceRole, AutoScalingServiceRoleArgs
from components.principal_checks import existing_principal, verified_deployer
from components.registry_settings import RegistrySettings, RegistrySettingsArgs, ZoneRegistrySettings
from components.zone_keys import ZoneKeys, ZoneKeysArgs
from regzone.config.baseline import BASELINE_LABEL, NAMESPACE, Baseline
from regzone.config.errors import key_path
from regzone_core.policy.guardrails import load_guardrails


@dataclass
class AccountBaselineArgs:
    baseline: Baseline
    # Region -> provider, for every allowed Region of the governed zone stacks.
    providers: Mapping[str, pulumi.ProviderResource]


def audit_bucket_names(account_id: str, region: str) -> tuple[str, str]:
    """The WORM bucket and its access-log bucket: fixed names under the prefix the guardrails protect."""
    prefix = load_guardrails().audit_bucket_prefix
    return f"{prefix}{account_id}-{region}", f"{prefix}logs-{account_id}-{region}"


class AccountBaseline(pulumi.ComponentResource):
    """`keys[region]`, `settings`, and (with an account trail) `audit_bucket` and `trail`;
    `registry_settings` and `autoscaling_role` when a governed zone needs them."""

    def __init__(self, name: str, args: AccountBaselineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:account:AccountBaseline", name, None, opts)
        baseline = args.baseline
        if baseline.settings.scope != "account":
            raise ValueError(f"AccountBaseline {name}: baseline {baseline.name} has scope {baseline.settings.scope}")
        missing = sorted(set(baseline.allowed_regions) - set(args.providers))
        if missing:
            raise ValueError(f"AccountBaseline {name}: no provider for allowed Regions {missing}")
        home = baseline.region
        on = {region: pulumi.ResourceOptions(parent=self, providers=[args.providers[region]])
              for region in baseline.allowed_regions}
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=args.providers[home])
        identity = aws.get_caller_identity_output(opts=invoke)
        deployer = verified_deployer(baseline.settings.deployer_role_arn, identity, f"{NAMESPACE}:deployer_role_arn")
        # The key policies name the key principals only once IAM lists them (KMS refuses others).
        principals = {duty: [existing_principal(deployer.apply(lambda _, arn=arn: arn), key_path(NAMESPACE, (duty, k)),
                                                opts=invoke)
                             for k, arn in enumerate(getattr(baseline.settings, duty))]
                      for duty in ("key_administrators", "key_users")}
        checked = pulumi.Output.all(deployer, *principals["key_administrators"], *principals["key_users"]).apply(
            lambda values: values[0])

        self.autoscaling_role = None
        if baseline.settings.autoscaling_service_linked_role is not None:
            self.autoscaling_role = AutoScalingServiceRole(f"{name}-autoscaling", AutoScalingServiceRoleArgs(
                mode=baseline.settings.autoscaling_service_linked_role), opts=on[home])

        self.keys = {region: ZoneKeys(f"{name}-keys-{region}", ZoneKeysArgs(
            zone_name=BASELINE_LABEL, region=region, account_id=identity.account_id, deployer=checked,
            administrators=principals["key_administrators"], users=principals["key_users"],
            partition=baseline.partition, purposes=["audit", "volumes"] if region == home else ["volumes"],
            autoscaling_role_arn=self.autoscaling_role.arn if self.autoscaling_role else None), opts=on[region])
            for region in baseline.allowed_regions}

        self.audit_bucket, self.trail = None, None
        if baseline.settings.organization_trail_arn is None:
            bucket, access_logs = audit_bucket_names(baseline.account_id, home)
            audit_key = self.keys[home].key_arns["audit"]
            self.audit_bucket = AuditBucket(f"{name}-audit", AuditBucketArgs(
                zone_name=BASELINE_LABEL, retention_days=baseline.retention_days, kms_key_arn=audit_key,
                account_id=identity.account_id, partition=baseline.partition, bucket_name=bucket,
                access_log_bucket_name=access_logs), opts=on[home])
            self.trail = AuditTrail(f"{name}-trail", AuditTrailArgs(
                zone_name=BASELINE_LABEL, region=home, account_id=identity.account_id, partition=baseline.partition,
                bucket_name=self.audit_bucket.bucket.bucket, bucket_policy=self.audit_bucket.policy,
                kms_key_arn=audit_key, retention_days=baseline.retention_days, records_management_events=True),
                opts=on[home])

        self.settings = AccountSettings(f"{name}-settings", AccountSettingsArgs(
            volumes_key_arns={region: keys.key_arns["volumes"] for region, keys in self.keys.items()},
            providers={region: args.providers[region] for region in baseline.allowed_regions},
            account_id=identity.account_id), opts=on[home])   # the account-wide block: through the home provider

        self.registry_settings = None
        if baseline.registries:
            self.registry_settings = RegistrySettings(f"{name}-registry", RegistrySettingsArgs(
                account_id=identity.account_id,
                zones=[ZoneRegistrySettings(zone, region, replicas) for zone, region, replicas in baseline.registries]),
                opts=on[home])
        self.register_outputs({"regions": baseline.allowed_regions})
