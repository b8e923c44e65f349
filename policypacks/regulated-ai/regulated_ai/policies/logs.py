"""CloudWatch log groups: KMS-encrypted and with an explicit retention (RAZ-LOG-004, RAZ-LOG-005)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import LOG_ANOMALY_DETECTOR, LOG_GROUP


@resource_policy(
    "log-group-kms-encryption",
    description="CloudWatch log groups, and the anomaly detectors that keep patterns learnt from them, must be "
                "encrypted with a customer-managed KMS key.",
    controls=["RAZ-LOG-004"], types=[LOG_GROUP, LOG_ANOMALY_DETECTOR])
def log_group_kms_encryption(group: ResourceView) -> Iterator[str]:
    if not group.known("kmsKeyId"):
        what = "log anomaly detector" if group.type == LOG_ANOMALY_DETECTOR else "log group"
        yield (f"{what} '{group.name}' is encrypted with a CloudWatch-owned key: set kmsKeyId to the zone's "
               "audit key ARN (components/log_groups.py zone_log_group does).")


@resource_policy(
    "log-group-retention",
    description="CloudWatch log groups must have an explicit retention (never 'never expire').",
    controls=["RAZ-LOG-005"], types=[LOG_GROUP])
def log_group_retention(group: ResourceView) -> Iterator[str]:
    # The Delivery log class keeps events for one day whatever retentionInDays says (CreateLogGroup,
    # logGroupClass: "Log events in log groups in the Delivery class are kept in CloudWatch Logs for only
    # one day"), so it is no retention at all for the zone's logs.
    if group.known("logGroupClass", "STANDARD") == "DELIVERY":
        yield (f"log group '{group.name}' is of the DELIVERY class, which keeps events for one day whatever "
               "retentionInDays says: use STANDARD (or INFREQUENT_ACCESS) with the zone's retention.")
    days = group.number("retentionInDays")
    if days is None or days <= 0:
        yield (f"log group '{group.name}' has retentionInDays {days if days is None else f'{days:g}'}, i.e. logs "
               "are kept forever: set the retention the zone's frameworks require (zone_log_group derives it).")
