"""Judgements more than one check needs: Object Lock retention and which buckets hold audit
evidence. Policy documents are judged by regzone_core.policy.verdicts, the same functions the
pack's policies call; tests/policy_documents/cases.py holds the verdicts both must reach."""
from __future__ import annotations

from regzone.evidence.model import ApiError, Status, absent_means
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
    return absent_means(tags, TAG_AUDIT, "", "a bucket without the audit tag is not tagged as one").lower() == AUDIT_TRUE


def audit_destinations(ctx) -> tuple[dict[str, list[str]], list[tuple[str, ApiError]]]:
    """Bucket -> what delivers audit logs to it (trails, S3 flow logs), and the regions that could not say."""
    destinations: dict[str, list[str]] = {}
    unknown: list[tuple[str, ApiError]] = []
    for inventory in ctx.inventories("cloudtrail"):
        try:
            for trail in inventory.fact("covering"):
                # Which buckets receive audit logs widens what is judged as an audit bucket (buckets are
                # also found by their audit tag): a trail that names no bucket adds none.
                bucket = absent_means(trail, "S3BucketName", None, "DescribeTrails Trail: S3BucketName is optional")
                if bucket:
                    destinations.setdefault(bucket, []).append(f"trail {trail['TrailARN']}")
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


SERVICE_LINKED_PATH = "/aws-service-role/"


def is_service_linked(role) -> bool:
    """AWS writes a service-linked role's trust and permissions policies; the account cannot change them."""
    return str(role.data.get("Path", "")).startswith(SERVICE_LINKED_PATH)


def identity_documents(principal, ctx) -> list[tuple[str, object]]:
    """(label, document) of every identity policy of a role, user or group: inline and attached
    managed (their default versions). An attached policy whose document was not read raises."""
    # GetAccountAuthorizationDetails gives a role RolePolicyList, a user UserPolicyList, a group GroupPolicyList.
    inline_key = next(k for k in ("RolePolicyList", "UserPolicyList", "GroupPolicyList")
                      if absent_means(principal.data, k, None, "the list of another kind of principal") is not None)
    documents = [(f"inline policy {p['PolicyName']}", p["PolicyDocument"]) for p in principal.data[inline_key] or []]
    attached = principal.data.get("AttachedManagedPolicies") or []
    if attached:
        policies = ctx.inventory("iam", principal.region).fact("policies")
        for entry in attached:
            document = policies.get(entry["PolicyArn"])
            if document is None:
                raise ApiError("iam:GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails",
                               f"attached policy {entry['PolicyArn']} was not returned")
            if isinstance(document, ApiError):
                raise document
            documents.append((f"managed policy {entry['PolicyArn']}", document))
    return documents


def identity_grant_verdict(principal, ctx, finder, granted: str, none_message: str):
    """FAIL naming each statement `finder` (regzone_core.policy.privilege) reports in the principal's
    identity policies, PASS saying what was judged; None for service-linked roles."""
    if is_service_linked(principal):
        return None
    documents = identity_documents(principal, ctx)
    found = [f"{label}: statement {grant.statement.label} allows {grant.actions} on {grant.resources}"
             for label, document in documents for grant in finder(document)]
    if found:
        return Status.FAIL, f"{'; '.join(found)} ({granted})"
    return Status.PASS, f"{len(documents)} identity policies, {none_message}"


def customer_key_problem(ctx, region: str, key_ref: str | None, what: str) -> str | None:
    """Why `key_ref` (a key id, key ARN, alias name or alias ARN; empty: the service's default key)
    is not a customer-managed key, or None when it is. AWS-managed keys (alias/aws/..., KeyManager
    AWS) follow a policy AWS writes: the zone cannot scope, revoke or schedule them. A service that
    is given no key uses its AWS-managed key. Resolving reads the key's region inventory
    (kms:ListKeys, kms:DescribeKey, kms:ListAliases) and raises ApiError when that could not be read."""
    if not key_ref:
        return f"{what} uses the service's AWS-managed key: no customer-managed key is set"
    parts = key_ref.split(":")
    if key_ref.startswith("arn:") and len(parts) > 5:
        if parts[4] != ctx.account:
            return None   # AWS-managed keys are never shared with another account
        region = parts[3] or region
    alias = "alias/" + key_ref.split("alias/", 1)[1] if ":alias/" in key_ref or key_ref.startswith("alias/") else None
    if alias is not None and alias.startswith("alias/aws/"):
        return f"{what} uses the AWS-managed key {alias}"
    if region not in ctx.regions:
        raise ApiError("kms:DescribeKey", "kms:DescribeKey",
                       f"key {key_ref} is in {region}, which was not scanned: add --region {region}")
    inventory = ctx.inventory("kms", region)
    if alias is not None:
        target = inventory.fact("aliases").get(alias)
        if target is None:
            return f"{what} names {alias}, which does not exist in {region}"
        key_ref = target
    key_id = key_ref.rsplit("/", 1)[-1]
    for key in inventory.of("key"):
        if key.id.rsplit("/", 1)[-1] == key_id:
            manager = key.get("metadata").get("KeyManager")
            return None if manager == "CUSTOMER" else f"{what} uses the AWS-managed key {key_ref}"
    return f"{what} key {key_ref} does not exist in {region}"


# CloudWatch Logs keeps events at most ten years (PutRetentionPolicy: 3653 days is the largest value).
CLOUDWATCH_MAX_RETENTION_DAYS = 3653


def _log_group_of(arn: str) -> tuple[str, str] | None:
    """(region, name) of a log group ARN (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`)."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        return None
    return parts[3], parts[6].removesuffix(":*")


def audit_log_groups(ctx) -> tuple[dict[tuple[str, str], list[str]], list[tuple[str, ApiError]]]:
    """(region, log group name) -> what delivers audit records to it (trails' CloudWatch Logs copy,
    flow logs to CloudWatch Logs), and the regions that could not say."""
    groups: dict[tuple[str, str], set[str]] = {}
    unknown: list[tuple[str, ApiError]] = []
    for inventory in ctx.inventories("cloudtrail"):
        try:
            for trail in inventory.fact("covering"):
                target = _log_group_of(absent_means(trail, "CloudWatchLogsLogGroupArn", "", "DescribeTrails Trail: "
                                                    "a trail without a CloudWatch Logs copy has none") or "")
                if target:
                    groups.setdefault(target, set()).add(f"trail {trail['TrailARN']}")
        except ApiError as error:
            unknown.append((inventory.region, error))
    for inventory in ctx.inventories("vpc"):
        try:
            for flow_log in inventory.fact("flow_logs"):
                if flow_log.get("LogDestinationType", "cloud-watch-logs") != "cloud-watch-logs":
                    continue
                target = _log_group_of(flow_log.get("LogDestination") or "") or (
                    (inventory.region, flow_log["LogGroupName"]) if flow_log.get("LogGroupName") else None)
                if target:
                    groups.setdefault(target, set()).add(f"flow log {flow_log.get('FlowLogId')}")
        except ApiError as error:
            unknown.append((inventory.region, error))
    return {key: sorted(sources) for key, sources in groups.items()}, unknown
