"""RegulatedAiZone: one regulated AI zone assembled from the per-concern components."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.zone_keys import ZoneKeys, ZoneKeysArgs
from regzone.config import StackConfig, Zone


@dataclass
class RegulatedAiZoneArgs:
    stack: StackConfig
    zone: Zone


class RegulatedAiZone(pulumi.ComponentResource):
    """A zone: keys first (everything else encrypts with them), then the components that use them."""

    keys: ZoneKeys

    def __init__(self, name: str, args: RegulatedAiZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:index:RegulatedAiZone", name, None, opts)
        zone, stack = args.zone, args.stack
        region = stack.zone_region(zone)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        self.keys = ZoneKeys(f"{name}-keys", ZoneKeysArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id,
            partition=partition.partition), opts=child)

        self.register_outputs({"key_arns": self.keys.key_arns})
