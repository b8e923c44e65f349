"""Judgements more than one check needs: Object Lock retention and which buckets hold audit
evidence. Policy documents are judged by regzone_core.policy.verdicts, the same functions the
pack's policies call; tests/policy_documents/cases.py holds the verdicts both must reach."""
from __future__ import annotations

from regzone.evidence.model import ApiError
from regzone.tags import AUDIT_TRUE, TAG_AUDIT

_DAYS_PER_YEAR = 365


def object_lock_problem(config: dict | None, min_days: int) -> str | None:
    """Why `config` does not make objects immutable for `min_days`, or None when it does."""
    if not config or config.get("ObjectLockEnabled") != "Enabled":
        return "Object Lock is not enabled"
    retention = (config.get("Rule") or {}).get("DefaultRetention")
    if not retention:
        return "Object Lock has no default retention, so new objects are not locked"
    mode = retention.get("Mode")
    days = retention.get("Days") or (retention.get("Years") or 0) * _DAYS_PER_YEAR
    if mode != "COMPLIANCE":
        return f"default retention mode is {mode}, not COMPLIANCE (GOVERNANCE can be bypassed)"
    if days < min_days:
        return f"default retention is {days} days, shorter than the required {min_days} days"
    return None


def object_lock_summary(config: dict) -> str:
    retention = config["Rule"]["DefaultRetention"]
    days = retention.get("Days") or retention.get("Years", 0) * _DAYS_PER_YEAR
    return f"COMPLIANCE-mode Object Lock with a {days}-day default retention"


def bucket_name(arn_or_name: str) -> str:
    """`arn:aws:s3:::bucket/prefix` or `bucket` -> `bucket`."""
    return arn_or_name.split(":::", 1)[-1].split("/", 1)[0]


def is_audit_tagged(tags: dict[str, str]) -> bool:
    return tags.get(TAG_AUDIT, "").lower() == AUDIT_TRUE


def audit_destinations(ctx) -> tuple[dict[str, list[str]], list[tuple[str, ApiError]]]:
    """Bucket -> what delivers audit logs to it (trails, S3 flow logs), and the regions that could not say."""
    destinations: dict[str, list[str]] = {}
    unknown: list[tuple[str, ApiError]] = []
    for inventory in ctx.inventories("cloudtrail"):
        try:
            for trail in inventory.fact("covering"):
                if trail.get("S3BucketName"):
                    destinations.setdefault(trail["S3BucketName"], []).append(f"trail {trail['TrailARN']}")
        except ApiError as error:
            unknown.append((inventory.region, error))
    for inventory in ctx.inventories("vpc"):
        try:
            for flow_log in inventory.fact("flow_logs"):
                if flow_log.get("LogDestinationType") == "s3" and flow_log.get("LogDestination"):
                    destinations.setdefault(bucket_name(flow_log["LogDestination"]), []).append(
                        f"flow log {flow_log.get('FlowLogId')}")
        except ApiError as error:
            unknown.append((inventory.region, error))
    return {name: sorted(set(sources)) for name, sources in destinations.items()}, unknown


def audit_sources(bucket, destinations: dict[str, list[str]]) -> list[str]:
    """Why a bucket holds audit evidence (what delivers to it, its audit tag); empty when it does not.
    Unreadable tags raise only when nothing else marks the bucket: then nobody can tell."""
    sources = list(destinations.get(bucket_name(bucket.id), []))
    try:
        if is_audit_tagged(bucket.get("tags")):
            sources.append(f"tag {TAG_AUDIT}={AUDIT_TRUE}")
    except ApiError:
        if not sources:
            raise
    return sources


def template_versions(template) -> list[dict]:
    """A launch template's latest and default versions (one entry when they are the same)."""
    versions = {v["VersionNumber"]: v for v in template.get("versions")}
    if not versions:
        raise ApiError("ec2:DescribeLaunchTemplateVersions", "ec2:DescribeLaunchTemplateVersions",
                       "no latest or default version returned")
    return list(versions.values())
