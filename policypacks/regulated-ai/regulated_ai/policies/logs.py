"""CloudWatch log groups: KMS-encrypted and with an explicit retention (RAZ-LOG-004, RAZ-LOG-005)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import LOG_GROUP


@resource_policy(
    "log-group-kms-encryption",
    description="CloudWatch log groups must be encrypted with a customer-managed KMS key.",
    controls=["RAZ-LOG-004"], types=[LOG_GROUP])
def log_group_kms_encryption(group: ResourceView) -> Iterator[str]:
    if not group.known("kmsKeyId"):
        yield (f"log group '{group.name}' is encrypted with a CloudWatch-owned key: set kmsKeyId to the zone's "
               "audit key ARN (components/log_groups.py zone_log_group does).")


@resource_policy(
    "log-group-retention",
    description="CloudWatch log groups must have an explicit retention (never 'never expire').",
    controls=["RAZ-LOG-005"], types=[LOG_GROUP])
def log_group_retention(group: ResourceView) -> Iterator[str]:
    days = group.known("retentionInDays")
    if not isinstance(days, (int, float)) or days <= 0:
        yield (f"log group '{group.name}' has retentionInDays {days!r}, i.e. logs are kept forever: set the "
               "retention the zone's frameworks require (zone_log_group derives it).")
