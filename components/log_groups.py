"""CloudWatch log groups as every zone component must create them: encrypted with the zone's
audit key, with an explicit retention that is at least what the zone's frameworks require.

Sensitive payload logs (prompts, outputs, retrieved documents) go to a separate restricted
group with a short retention (seed 001: tiered logging); everything else is operational or audit.
"""
from __future__ import annotations

import bisect
from typing import Literal

import pulumi
import pulumi_aws as aws

# The only values CloudWatch Logs accepts for retentionInDays (0 = never expire is not used here).
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                             2192, 2557, 2922, 3288, 3653)
SENSITIVE_PAYLOAD_RETENTION_DAYS = 30
LogTier = Literal["operational", "audit", "sensitive"]


def cloudwatch_retention(days: int) -> int:
    """The smallest retention CloudWatch accepts that is not shorter than `days`."""
    if days < 1:
        raise ValueError(f"log retention must be at least 1 day, got {days}: a log group without "
                         "retention keeps logs forever (0 means never expire)")
    index = bisect.bisect_left(CLOUDWATCH_RETENTION_DAYS, days)
    if index == len(CLOUDWATCH_RETENTION_DAYS):
        raise ValueError(f"retention of {days} days exceeds CloudWatch's maximum of "
                         f"{CLOUDWATCH_RETENTION_DAYS[-1]} days; archive to the WORM audit bucket instead")
    return CLOUDWATCH_RETENTION_DAYS[index]


def zone_log_group(resource_name: str, *, log_group_name: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                   retention_days: int, tier: LogTier, parent: pulumi.Resource) -> aws.cloudwatch.LogGroup:
    """A KMS-encrypted, retained, protected log group. Sensitive tiers get the short retention.

    Every tier is protected and retained on delete: logs are evidence, and retention, not a
    `pulumi destroy`, is what removes them."""
    days = SENSITIVE_PAYLOAD_RETENTION_DAYS if tier == "sensitive" else cloudwatch_retention(retention_days)
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        kms_key_id=kms_key_arn,
        retention_in_days=days,
        tags={"log-tier": tier},
        opts=pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True),
    )
