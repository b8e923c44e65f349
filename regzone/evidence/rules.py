"""Judgements more than one check needs: Object Lock retention, policy principals, TLS-only
bucket policies, and which buckets hold audit evidence."""
from __future__ import annotations

import re
from typing import Any

from regzone.evidence.model import ApiError
from regzone.tags import AUDIT_TRUE, TAG_AUDIT

_DAYS_PER_YEAR = 365
_ACCOUNT_IN_PRINCIPAL = re.compile(r"^(?:arn:[^:]+:(?:iam|sts)::)?(\d{12})(?::|$)")
# Condition keys that pin a `*` principal to one account or organisation.
_PRINCIPAL_PINS = ("aws:principalaccount", "kms:calleraccount", "aws:principalorgid")


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(policy: dict | None) -> list[dict]:
    return as_list((policy or {}).get("Statement"))


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


def _pinned(statement: dict, account: str) -> bool:
    """A Condition that limits a `*` principal to this account (or an organisation)."""
    for operator, conditions in (statement.get("Condition") or {}).items():
        if not operator.startswith("String") or "Not" in operator or "IfExists" in operator:
            continue
        for key, values in conditions.items():
            key = key.lower()
            if key == "aws:principalorgid":
                return True
            if key in _PRINCIPAL_PINS and set(map(str, as_list(values))) == {account}:
                return True
    return False


def _aws_principals(statement: dict) -> list[str]:
    if "NotPrincipal" in statement:
        return ["*"]   # Allow with NotPrincipal allows everyone not listed
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for p in as_list(principal.get("AWS"))]
    return []


def open_grants(policy: dict | None, account: str, *, cross_account: bool) -> list[str]:
    """Allow statements open to `*` (not pinned to this account), and, if asked, to other accounts."""
    problems = []
    for index, statement in enumerate(statements(policy)):
        if statement.get("Effect") != "Allow":
            continue
        label = statement.get("Sid") or f"statement {index}"
        for principal in _aws_principals(statement):
            if principal == "*" and not _pinned(statement, account):
                problems.append(f"{label} allows principal *")
            elif principal != "*" and cross_account:
                match = _ACCOUNT_IN_PRINCIPAL.match(principal)
                if match is None or match.group(1) != account:
                    problems.append(f"{label} allows {principal} outside account {account}")
    return problems


def _covers(patterns: list[str], arn: str) -> bool:
    return any(p == "*" or p == arn or (p.endswith("*") and arn.startswith(p[:-1])) for p in patterns)


def denies_plain_http(policy: dict | None, bucket_arn: str) -> bool:
    """A Deny of every S3 action, to everyone, on the bucket and its objects, when aws:SecureTransport is false."""
    for statement in statements(policy):
        if statement.get("Effect") != "Deny" or statement.get("Principal") not in ("*", {"AWS": "*"}):
            continue
        if not any(a in ("*", "s3:*") for a in as_list(statement.get("Action"))):
            continue
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        if not (_covers(resources, bucket_arn) and _covers(resources, f"{bucket_arn}/object")):
            continue
        for operator, conditions in (statement.get("Condition") or {}).items():
            if operator not in ("Bool", "BoolIfExists"):
                continue
            for key, value in conditions.items():
                if key.lower() == "aws:securetransport" and [str(v).lower() for v in as_list(value)] == ["false"]:
                    return True
    return False


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
