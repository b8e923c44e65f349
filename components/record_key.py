"""The zone's record-signing key: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs
each deployment record (control RAZ-CHG-003; regzone/record). Only the deployer may sign; the
account's auditors verify with KMS Verify or the public key.

KMS cannot rotate asymmetric keys (AWS KMS developer guide, "Rotating AWS KMS keys": automatic
rotation is supported only on symmetric encryption keys with key material KMS generates), so a new
key would be a new alias target; records name the key that signed them. The key is protected and
kept: without it no record written under it can be verified with KMS.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.kms_policy import record_signing_key_policy
from components.zone_keys import DELETION_WINDOW_DAYS
from regzone.record import signing


@dataclass
class RecordKeyArgs:
    zone_name: str
    account_id: pulumi.Input[str]
    deployer: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    # Key administrators (the zone's); empty means the account root, as for the zone keys.
    administrators: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class RecordKey(pulumi.ComponentResource):
    """`key` and its alias `alias/<zone>/deployment-records`, by which `regzone record verify` finds it."""

    key: aws.kms.Key

    def __init__(self, name: str, args: RecordKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:security:RecordKey", name, None, opts)
        principals = pulumi.Output.all(account=args.account_id, partition=args.partition, deployer=args.deployer,
                                       administrators=pulumi.Output.all(*args.administrators))
        policy = principals.apply(lambda p: record_signing_key_policy(
            account_id=p["account"], partition=p["partition"], deployer=p["deployer"],
            administrators=p["administrators"] or [f"arn:{p['partition']}:iam::{p['account']}:root"]))
        self.key = aws.kms.Key(
            name,
            description=f"regulated AI zone {args.zone_name}: deployment record signing key",
            key_usage="SIGN_VERIFY",
            customer_master_key_spec=signing.KEY_SPEC,
            enable_key_rotation=False,
            deletion_window_in_days=DELETION_WINDOW_DAYS,
            multi_region=False,
            policy=policy,
            tags={**args.tags, "purpose": signing.PURPOSE},
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=signing.ALIAS.format(zone=args.zone_name),
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"key_arn": self.key.arn})
