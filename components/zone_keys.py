"""Per-zone, per-purpose customer-managed KMS keys (control RAZ-KMS-*).

One key per purpose keeps blast radius small: a workload that may decrypt data cannot
decrypt audit logs or node volumes. Keys are protected: `pulumi destroy` cannot remove them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.kms_policy import PURPOSES, key_policy

DELETION_WINDOW_DAYS = 30


@dataclass
class ZoneKeysArgs:
    zone_name: str
    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    # IAM principals; empty means the account root, i.e. IAM policies in the account decide.
    administrators: Sequence[str] = ()
    users: Sequence[str] = ()
    purposes: Sequence[str] = PURPOSES
    tags: Mapping[str, str] = field(default_factory=dict)


class ZoneKeys(pulumi.ComponentResource):
    """KMS keys and aliases for one zone: `keys[purpose]` and `key_arns[purpose]`."""

    keys: dict[str, aws.kms.Key]
    key_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ZoneKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:security:ZoneKeys", name, None, opts)
        unknown = sorted(set(args.purposes) - set(PURPOSES))
        if unknown:
            raise ValueError(f"ZoneKeys {name}: unknown key purpose(s) {unknown}; valid: {list(PURPOSES)}")
        self.keys = {}
        for purpose in args.purposes:
            policy = pulumi.Output.all(args.account_id, args.partition).apply(
                lambda values, p=purpose: key_policy(
                    purpose=p, account_id=values[0], region=args.region, partition=values[1],
                    administrators=args.administrators or [f"arn:{values[1]}:iam::{values[0]}:root"],
                    users=args.users or [f"arn:{values[1]}:iam::{values[0]}:root"]))
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
            self.keys[purpose] = key
        self.key_arns = {purpose: key.arn for purpose, key in self.keys.items()}
        self.register_outputs({"key_arns": self.key_arns})
