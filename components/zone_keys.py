"""Per-zone, per-purpose customer-managed KMS keys (control RAZ-KMS-*).

One key per purpose keeps blast radius small: a workload that may decrypt data cannot
decrypt audit logs or node volumes. Keys are protected: `pulumi destroy` cannot remove them.

Every principal a key policy names must exist when the policy is set, or KMS refuses it; the
zone passes principals that components/principal_checks.py verified at deploy time, so the
policies (and with them the keys) wait for those checks.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.kms_policy import ENCLAVE_PURPOSE, PURPOSES, enclave_key_policy, key_policy

DELETION_WINDOW_DAYS = 30


@dataclass
class ZoneKeysArgs:
    zone_name: str
    region: str
    account_id: pulumi.Input[str]
    # The role that runs `pulumi up`: manages the keys (KMS's lockout safety check) and uses them
    # only as catalog/key_caller_permissions.yaml lists.
    deployer: pulumi.Input[str]
    # IAM principals, both required and disjoint: administrators manage the keys, users use them.
    # (The account root in their place would hold both duties: the key policy would separate nothing.)
    administrators: Sequence[pulumi.Input[str]]
    users: Sequence[pulumi.Input[str]]
    partition: pulumi.Input[str] = "aws"
    # The EC2 Auto Scaling service-linked role, when the zone has node groups (volumes key only).
    autoscaling_role_arn: pulumi.Input[str] | None = None
    purposes: Sequence[str] = PURPOSES
    tags: Mapping[str, str] = field(default_factory=dict)
    # With measurements (condition key -> accepted values), also the enclave key, which releases
    # data keys only to attested enclaves; `producers` may encrypt for them (RAZ-CMP-008).
    enclave_attestation: Mapping[str, Sequence[str]] | None = None
    producers: Sequence[pulumi.Input[str]] = ()


class ZoneKeys(pulumi.ComponentResource):
    """KMS keys and aliases for one zone: `keys[purpose]` and `key_arns[purpose]`."""

    keys: dict[str, aws.kms.Key]
    key_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ZoneKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:security:ZoneKeys", name, None, opts)
        unknown = sorted(set(args.purposes) - set(PURPOSES))
        if unknown:
            raise ValueError(f"ZoneKeys {name}: unknown key purpose(s) {unknown}; valid: {list(PURPOSES)}")
        if not args.administrators or not args.users:
            raise ValueError(f"ZoneKeys {name}: administrators and users are both required (zone key_administrators "
                             "and key_users): without them the account root would both administer and use the keys")
        principals = pulumi.Output.all(
            account=args.account_id, partition=args.partition, deployer=args.deployer,
            administrators=pulumi.Output.all(*args.administrators), users=pulumi.Output.all(*args.users),
            autoscaling=args.autoscaling_role_arn, producers=pulumi.Output.all(*args.producers))
        self.keys = {}
        for purpose in args.purposes:
            policy = principals.apply(lambda p, purpose=purpose: key_policy(
                purpose=purpose, zone_name=args.zone_name, account_id=p["account"], region=args.region,
                partition=p["partition"], deployer=p["deployer"],
                administrators=p["administrators"], users=p["users"],
                autoscaling_role_arn=p["autoscaling"] if purpose == "volumes" else None))
            self.keys[purpose] = self._key(name, args, purpose, policy)
        if args.enclave_attestation is not None:
            # Its users are the attested enclaves alone: no account-root default here.
            policy = principals.apply(lambda p: enclave_key_policy(
                zone_name=args.zone_name, account_id=p["account"], partition=p["partition"], deployer=p["deployer"],
                administrators=p["administrators"] or [f"arn:{p['partition']}:iam::{p['account']}:root"],
                producers=p["producers"], attestation=args.enclave_attestation))
            self.keys[ENCLAVE_PURPOSE] = self._key(name, args, ENCLAVE_PURPOSE, policy)
        self.key_arns = {purpose: key.arn for purpose, key in self.keys.items()}
        self.register_outputs({"key_arns": self.key_arns})

    def _key(self, name: str, args: ZoneKeysArgs, purpose: str, policy: pulumi.Input[str]) -> aws.kms.Key:
        """One protected, rotating key of `purpose` and its alias `alias/<zone>/<purpose>`."""
        key = aws.kms.Key(
            f"{name}-{purpose}",
            description=f"regulated AI zone {args.zone_name}: {purpose} key",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS,
            multi_region=False,
            policy=policy,
            tags={**args.tags, "purpose": purpose},
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        aws.kms.Alias(
            f"{name}-{purpose}-alias",
            name=f"alias/{args.zone_name}/{purpose}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return key
