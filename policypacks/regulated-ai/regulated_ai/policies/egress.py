"""Data leaving the zone (controls RAZ-EGR-001..004): replication, multi-region access points, log delivery,
key grants and shared snapshots and images stay inside the zone's regions and account (regulated_ai/boundary.py).

Each judged input is listed with the type that carries it, so that the coverage test (regzone/coverage,
`covers` of the RAZ-EGR controls) ties every SDK type that can send data out to a policy here.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

from regulated_ai.boundary import (account_problems, arn_parts, destination_problems, findings_per_source,
                                   zone_of)
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.types import (AMI_LAUNCH_PERMISSION, EBS_SNAPSHOT_BLOCK_PUBLIC_ACCESS, IMAGE_BLOCK_PUBLIC_ACCESS,
                                KMS_GRANT, LOG_ACCOUNT_POLICY, LOG_DELIVERY, LOG_DELIVERY_DESTINATION,
                                LOG_DESTINATION, LOG_SUBSCRIPTION_FILTER, RDS_SNAPSHOT_COPIES, RDS_SNAPSHOTS,
                                S3_ANALYTICS_CONFIGURATION, S3_BUCKET, S3_BUCKET_REPLICATION, S3_BUCKET_V2,
                                S3_BUCKETS, S3_INVENTORY, S3_MULTI_REGION_ACCESS_POINT,
                                S3_MULTI_REGION_ACCESS_POINT_ROUTES, S3_TABLE_REPLICATIONS,
                                SNAPSHOT_CREATE_VOLUME_PERMISSION)
from regulated_ai.values import Unverifiable, is_unknown, unverifiable, values_at

# type -> (path of the destination bucket or table bucket ARN, path of the destination account, top-level input)
REPLICA_DESTINATIONS: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    S3_BUCKET: (("replicationConfiguration.rules.destination.bucket",
                 "replicationConfiguration.rules.destination.accountId", "replicationConfiguration"),),
    S3_BUCKET_V2: (("replicationConfigurations.rules.destinations.bucket",
                    "replicationConfigurations.rules.destinations.accountId", "replicationConfigurations"),),
    S3_BUCKET_REPLICATION: (("rules.destination.bucket", "rules.destination.account", "rules"),),
    **{t: (("rule.destinations.destinationTableBucketArn", None, "rule"),) for t in S3_TABLE_REPLICATIONS},
    # Inventory and storage class analysis exports write object listings (keys, sizes, tags) elsewhere.
    S3_INVENTORY: (("destination.bucket.bucketArn", "destination.bucket.accountId", "destination"),),
    S3_ANALYTICS_CONFIGURATION: ((
        "storageClassAnalysis.dataExport.destination.s3BucketDestination.bucketArn",
        "storageClassAnalysis.dataExport.destination.s3BucketDestination.bucketAccountId", "storageClassAnalysis"),),
}
_BUCKET_TARGETS = frozenset({*S3_BUCKETS, "aws:s3tables/tableBucket:TableBucket"})


def destination_origins(stack: StackView, source: ResourceView, prop: str, value: object,
             kinds: frozenset[str] | None = None) -> list[ResourceView]:
    """The stack resources a destination is: for a value unknown at preview, those the top-level input
    `prop` was computed from (of `kinds`); for an S3 ARN, which carries neither region nor account, the
    stack's bucket of that literal name. A destination that is neither is judged from the value alone."""
    if is_unknown(value):
        return [r for r in source.property_dependencies.get(prop, []) if kinds is None or r.type in kinds]
    parts = arn_parts(value) if isinstance(value, str) else None
    if parts is not None and not parts[0] and not parts[1]:
        name = value.split(":", 5)[-1].split("/", 1)[0]
        return [b for b in stack.of_type(*S3_BUCKETS) if b.get("bucket") == name]
    return []


def _replica_problems(stack: StackView, source: ResourceView) -> Iterator[str]:
    for bucket_path, account_path, prop in REPLICA_DESTINATIONS.get(source.type, ()):
        for where, value in values_at(source.props, bucket_path):
            origins = destination_origins(stack, source, prop, value, _BUCKET_TARGETS)
            yield from destination_problems(source, where, value, origins, "copies objects to", stack.settings)
        if account_path:
            for where, value in values_at(source.props, account_path):
                yield from account_problems(source, where, value, "hands replicas to", stack.settings)


@stack_policy(
    "s3-replication-within-zone",
    description="S3 replication (bucket replication configurations, the buckets' inline ones, S3 Tables), "
                "inventory and analytics exports write only to buckets in the zone's regions and account.",
    controls=["RAZ-EGR-001"], types=list(REPLICA_DESTINATIONS))
def s3_replication_within_zone(stack: StackView) -> Iterator[tuple[str, str]]:
    yield from findings_per_source(stack.of_type(*REPLICA_DESTINATIONS), lambda s: _replica_problems(stack, s),
                                   "where it sends data")


# ---- S3 Multi-Region Access Points -------------------------------------------------------------

# type -> (path of the list of bucket entries, top-level input): each entry names a bucket by name, with
# `bucketAccountId` (MRAP) and `region` (both types) where given.
MULTI_REGION_BUCKETS = {S3_MULTI_REGION_ACCESS_POINT: ("details.regions", "details"),
                        S3_MULTI_REGION_ACCESS_POINT_ROUTES: ("routes", "routes")}


def _multi_region_problems(stack: StackView, source: ResourceView) -> Iterator[str]:
    # CreateMultiRegionAccessPoint Regions: "Bucket" (name) and "BucketAccountId" (the account that owns it),
    # buckets of other accounts allowed (Amazon S3 API Reference; User Guide, "Creating Multi-Region Access
    # Points"); requests through the access point are served by and written to whichever bucket it routes to.
    list_path, prop = MULTI_REGION_BUCKETS[source.type]
    settings = stack.settings
    for i, entry in enumerate(source.known(list_path, None) or []):
        where = f"{list_path}.{i}"
        name = entry.get("bucket")
        if name is None:   # required by the API, which refuses the entry
            continue
        value = name if is_unknown(name) else f"arn:aws:s3:::{name}"
        origins = destination_origins(stack, source, prop, value, _BUCKET_TARGETS)
        yield from destination_problems(source, f"{where}.bucket", value, origins, "serves requests from", settings)
        region = entry.get("region")
        if is_unknown(region):
            raise unverifiable(region, f"{where}.region")
        allowed = settings.zone_regions(zone_of(source))
        if region and region not in allowed:
            yield (f"'{source.name}' ({source.type}) routes requests to {region} (`{where}.region`), outside the "
                   f"regions allowed for its zone: {', '.join(allowed) or 'none configured'}")
        yield from account_problems(source, f"{where}.bucketAccountId", entry.get("bucketAccountId"),
                                    "serves requests from a bucket of", settings)


@stack_policy(
    "s3-multi-region-access-point-within-zone",
    description="S3 Multi-Region Access Points and their routes reach only buckets in the zone's regions and "
                "account.",
    controls=["RAZ-EGR-001"], types=list(MULTI_REGION_BUCKETS))
def s3_multi_region_access_point_within_zone(stack: StackView) -> Iterator[tuple[str, str]]:
    yield from findings_per_source(stack.of_type(*MULTI_REGION_BUCKETS), lambda s: _multi_region_problems(stack, s),
                                   "which buckets it reaches")


# ---- CloudWatch Logs: subscriptions, destinations, vended log delivery --------------------------

LOG_DESTINATIONS = {
    LOG_SUBSCRIPTION_FILTER: "destinationArn",
    LOG_DESTINATION: "targetArn",
    LOG_DELIVERY: "deliveryDestinationArn",
    LOG_DELIVERY_DESTINATION: "deliveryDestinationConfiguration.destinationResourceArn",
}


def _account_policy_destinations(policy: ResourceView) -> list[tuple[str, object]]:
    """An account-wide subscription filter policy sends every selected log group to its DestinationArn."""
    if policy.known("policyType") != "SUBSCRIPTION_FILTER_POLICY":
        return []
    document = policy.known("policyDocument")
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
        destination = parsed.get("DestinationArn")
    except (ValueError, AttributeError):
        raise ValueError("policyDocument is not a JSON subscription filter policy") from None
    return [("policyDocument.DestinationArn", destination)]


def _log_problems(stack: StackView, source: ResourceView) -> Iterator[str]:
    if source.type == LOG_ACCOUNT_POLICY:
        found = _account_policy_destinations(source)
    else:
        path = LOG_DESTINATIONS[source.type]
        found = [(path, source.get(path))]
    for where, value in found:
        if value is None:
            continue
        origins = destination_origins(stack, source, where.split(".", 1)[0], value)
        yield from destination_problems(source, where, value, origins, "delivers logs to", stack.settings)


@stack_policy(
    "cloudwatch-logs-delivery-within-zone",
    description="CloudWatch Logs subscription filters (per log group and account-wide), log destinations and "
                "vended log deliveries send logs only to the zone's regions and account.",
    controls=["RAZ-EGR-002"], types=[*LOG_DESTINATIONS, LOG_ACCOUNT_POLICY])
def cloudwatch_logs_delivery_within_zone(stack: StackView) -> Iterator[tuple[str, str]]:
    for source in stack.of_type(*LOG_DESTINATIONS, LOG_ACCOUNT_POLICY):
        try:
            for problem in _log_problems(stack, source):
                yield source.urn, problem + "."
        except Unverifiable as missing:
            yield source.urn, (f"'{source.name}' ({source.type}): `{missing.path}` is unknown until deployment, so "
                               "where it delivers logs cannot be verified at preview. Give it a literal value.")
        except ValueError as err:
            yield source.urn, f"'{source.name}' ({source.type}): {err}, so where it delivers logs cannot be judged."


# ---- KMS grants ---------------------------------------------------------------------------------

@resource_policy(
    "kms-grant-zone-principals",
    description="KMS grants name grantee and retiring principals of the zone's account only.",
    controls=["RAZ-EGR-003"], types=[KMS_GRANT])
def kms_grant_zone_principals(grant: ResourceView) -> Iterator[str]:
    # CreateGrant: "GranteePrincipal ... use the Amazon Resource Name (ARN) of an AWS principal. Valid
    # principals include AWS accounts, IAM users, IAM roles, federated users, and assumed role users"
    # (AWS KMS API Reference, CreateGrant); a grant to another account lets it decrypt the zone's data.
    for path, phrase in (("granteePrincipal", "grants use of the key to"),
                         ("retiringPrincipal", "lets a principal retire the grant:")):
        for problem in account_problems(grant, path, grant.get(path), phrase):
            yield problem + "."


# ---- snapshots and images -----------------------------------------------------------------------

def _shared_with(resource: ResourceView) -> Iterator[tuple[str, object]]:
    if resource.type == SNAPSHOT_CREATE_VOLUME_PERMISSION:
        yield "accountId", resource.get("accountId")
    elif resource.type == AMI_LAUNCH_PERMISSION:
        yield from ((key, resource.get(key)) for key in ("accountId", "group", "organizationArn",
                                                         "organizationalUnitArn") if resource.get(key) is not None)
    else:
        shared = resource.known("sharedAccounts", None) or []
        yield from ((f"sharedAccounts.{i}", account) for i, account in enumerate(shared))


@resource_policy(
    "snapshot-image-not-shared",
    description="EBS snapshots, AMIs and RDS snapshots are not shared with other accounts, organizations or the "
                "public, and RDS snapshot copies stay in the zone's regions.",
    controls=["RAZ-EGR-004"], types=[SNAPSHOT_CREATE_VOLUME_PERMISSION, AMI_LAUNCH_PERMISSION, *RDS_SNAPSHOTS])
def snapshot_image_not_shared(resource: ResourceView) -> Iterator[str]:
    label = f"'{resource.name}' ({resource.type})"
    for path, value in _shared_with(resource):
        if is_unknown(value):
            raise unverifiable(value, path)
        if value == "all":   # ModifyImageAttribute group "all", ModifyDBSnapshotAttribute value "all": public
            yield f"{label} makes the image or snapshot public (`{path}` = all)."
        elif path in ("organizationArn", "organizationalUnitArn"):
            yield f"{label} shares the image with every account of {value} (`{path}`)."
        else:
            yield from (p + "." for p in account_problems(resource, path, value, "shares its data with"))
    if resource.type in RDS_SNAPSHOT_COPIES:
        region = resource.known("destinationRegion", None)
        allowed = resource.settings.zone_regions(zone_of(resource))
        if region and region not in allowed:
            yield (f"{label} copies the snapshot to {region}, outside the regions allowed for its zone: "
                   f"{', '.join(allowed) or 'none configured'}.")


# State names: EnableImageBlockPublicAccess ("block-new-sharing") and EnableSnapshotBlockPublicAccess
# ("block-all-sharing" | "block-new-sharing"; "unblocked" turns it off), EC2 API Reference.
_BLOCKING_STATES = {IMAGE_BLOCK_PUBLIC_ACCESS: ("block-new-sharing",),
                    EBS_SNAPSHOT_BLOCK_PUBLIC_ACCESS: ("block-all-sharing", "block-new-sharing")}


@resource_policy(
    "image-snapshot-public-sharing-blocked",
    description="The account-wide block public access settings for AMIs and EBS snapshots, where the stack sets "
                "them, block public sharing.",
    controls=["RAZ-EGR-004"], types=list(_BLOCKING_STATES))
def image_snapshot_public_sharing_blocked(setting: ResourceView) -> Iterator[str]:
    state = setting.known("state")
    if state not in _BLOCKING_STATES[setting.type]:
        yield (f"'{setting.name}' ({setting.type}) sets state {state!r}, which lets images or snapshots be shared "
               f"publicly: set {_BLOCKING_STATES[setting.type][0]}.")
