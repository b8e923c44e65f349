"""S3 buckets: KMS encryption with a customer key, no public access, WORM audit storage
(controls RAZ-S3-001..004, RAZ-AUD-001).

pulumi-aws 7 configures a bucket through separate resources (and their deprecated V2 aliases);
the deprecated inline properties of `Bucket` are checked too. Stack policies tie each
configuration resource to its bucket through the `bucket` property dependency, so that a bucket
with no public-access block or no encryption resource at all is caught.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from regulated_ai.documents import PolicyProblem, parsed_policy, partition_of, zone_account
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.tagging import effective_tags
from regulated_ai.types import (S3_ACCESS_POINT, S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, S3_ACL, S3_BUCKET_POLICY,
                                S3_BUCKET_V2, S3_BUCKETS, S3_METADATA_CONFIGURATION, S3_MULTI_REGION_ACCESS_POINT,
                                S3_OBJECT_LOCK, S3_OBJECTS, S3_OTHER_RESOURCE_POLICIES, S3_OWNERSHIP_CONTROLS,
                                S3_PUBLIC_ACCESS_BLOCK, S3_SSE, S3_TABLE, S3_TABLE_BUCKET, S3_VECTOR_BUCKET,
                                S3_VECTOR_INDEX,
                                S3_VERSIONING)
from regulated_ai.values import as_bool, is_unknown, values_at
from regzone.tags import TAG_ZONE
from regzone_core.policy.verdicts import denies_plain_http, open_grants

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEE_GROUPS = ("/global/AllUsers", "/global/AuthenticatedUsers")
PUBLIC_ACCESS_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
DAYS_PER_YEAR = 365


# --- shared helpers ---------------------------------------------------------------------------

def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def bucket_of(resource: ResourceView, stack: StackView, prop: str = "bucket") -> ResourceView | None:
    """The bucket a configuration resource (or a trail) points at: through the property's
    dependency, else by an explicit bucket name."""
    for dependency in resource.property_dependencies.get(prop, []):
        if dependency.type in S3_BUCKETS:
            return dependency
    name = resource.get(prop)
    if not is_unknown(name) and isinstance(name, str):
        for bucket in stack.of_type(*S3_BUCKETS):
            if bucket.get("bucket") == name:
                return bucket
    return None


def configured_buckets(stack: StackView, types: tuple[str, ...] | str) -> dict[str, list[ResourceView]]:
    """Bucket URN -> the configuration resources of `types` that target it."""
    found: dict[str, list[ResourceView]] = {}
    for resource in stack.of_type(*([types] if isinstance(types, str) else types)):
        bucket = bucket_of(resource, stack)
        if bucket is not None:
            found.setdefault(bucket.urn, []).append(resource)
    return found


def required_retention_days(resource: ResourceView) -> int:
    """The audit retention the frameworks in scope require (pack settings, zone registry first)."""
    zone = effective_tags(resource).get(TAG_ZONE)
    return resource.settings.audit_retention_days(zone if isinstance(zone, str) else None)


# --- encryption -------------------------------------------------------------------------------

def _sse_default_problem(resource: ResourceView, path: str, where: str, algorithm_input: str = "sseAlgorithm",
                         key_input: str = "kmsMasterKeyId") -> str | None:
    """Problem with the default-encryption block at `path` (an algorithm and a key input), if any."""
    if not isinstance(resource.known(path), dict):
        return f"{where} has no {path.rsplit('.', 1)[-1]}"
    algorithm = resource.known(f"{path}.{algorithm_input}")
    key = resource.known(f"{path}.{key_input}")
    if algorithm not in KMS_ALGORITHMS:
        return (f"{where} uses {algorithm!r}; it must be aws:kms with a customer-managed key "
                "(SSE-S3 keys cannot be separated per zone or audited per use)")
    if not key:
        return f"{where} uses aws:kms without {key_input}, i.e. the AWS managed aws/s3 key; name the zone key"
    if isinstance(key, str) and (key.startswith("alias/aws/") or ":alias/aws/" in key):
        return f"{where} uses the AWS managed key {key}; use the zone's customer-managed key"
    return None


# Default encryption of the other S3 storage types: where it lives (list-transparent), its algorithm and
# key inputs, and whether leaving it out means SSE-S3 (a table inherits its table bucket's encryption).
_OTHER_ENCRYPTION = {
    S3_BUCKET_V2: (("serverSideEncryptionConfigurations.rules.applyServerSideEncryptionByDefaults",
                    "sseAlgorithm", "kmsMasterKeyId", False),),
    S3_METADATA_CONFIGURATION: (
        ("metadataConfiguration.journalTableConfiguration.encryptionConfiguration", "sseAlgorithm", "kmsKeyArn",
         True),
        ("metadataConfiguration.inventoryTableConfiguration.encryptionConfiguration", "sseAlgorithm", "kmsKeyArn",
         False)),
    S3_TABLE_BUCKET: (("encryptionConfiguration", "sseAlgorithm", "kmsKeyArn", True),),
    S3_TABLE: (("encryptionConfiguration", "sseAlgorithm", "kmsKeyArn", False),),
    S3_VECTOR_BUCKET: (("encryptionConfigurations", "sseType", "kmsKeyArn", True),),
    S3_VECTOR_INDEX: (("encryptionConfigurations", "sseType", "kmsKeyArn", False),),
}


def _other_encryption_problems(resource: ResourceView) -> Iterator[str]:
    for path, algorithm_input, key_input, required in _OTHER_ENCRYPTION[resource.type]:
        found = values_at(resource.props, path)
        if required and not found:
            yield (f"'{resource.name}' sets no {path}, so it is encrypted with SSE-S3: set {algorithm_input} aws:kms "
                   f"and {key_input} to the zone key.")
        blocks = [(f"{where}.{index}", block) for where, value in found if isinstance(value, list)
                  for index, block in enumerate(value)]
        for where, _ in blocks + [(where, value) for where, value in found if not isinstance(value, list)]:
            problem = _sse_default_problem(resource, where, f"'{resource.name}' {where}", algorithm_input, key_input)
            if problem:
                yield problem + "."


@resource_policy(
    "s3-encryption-kms-cmk",
    description="S3 default encryption (buckets, S3 Metadata, table and vector buckets) must be SSE-KMS with a "
                "customer-managed key.",
    controls=["RAZ-S3-001"], types=[*S3_SSE, *S3_BUCKETS, *_OTHER_ENCRYPTION])
def s3_encryption_kms_cmk(resource: ResourceView) -> Iterator[str]:
    if resource.type in _OTHER_ENCRYPTION:
        yield from _other_encryption_problems(resource)
    if resource.type in S3_BUCKETS:
        if resource.known("serverSideEncryptionConfiguration") is None:
            return  # configured by a separate resource; s3-bucket-baseline-configured checks one exists
        problem = _sse_default_problem(resource, "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault",
                                       f"bucket '{resource.name}' serverSideEncryptionConfiguration")
        if problem:
            yield problem + "."
        return
    if resource.type not in S3_SSE:
        return
    rules = as_list(resource.known("rules"))
    if not rules:
        yield f"'{resource.name}' has no encryption rule: set rules[0].applyServerSideEncryptionByDefault."
    for index in range(len(rules)):
        problem = _sse_default_problem(resource, f"rules.{index}.applyServerSideEncryptionByDefault",
                                       f"'{resource.name}' rules[{index}]")
        if problem:
            yield problem + "."


# --- public access ----------------------------------------------------------------------------

# Where each type keeps the four flags, and what an unset flag means: a bucket's or the account's block
# is off unless set; an access point's block is on unless turned off (S3 CreateAccessPoint and
# CreateMultiRegionAccessPoint: PublicAccessBlockConfiguration defaults every flag to true).
_PUBLIC_ACCESS_BLOCKS = {S3_PUBLIC_ACCESS_BLOCK: ("", False), S3_ACCOUNT_PUBLIC_ACCESS_BLOCK: ("", False),
                         S3_ACCESS_POINT: ("publicAccessBlockConfiguration.", True),
                         S3_MULTI_REGION_ACCESS_POINT: ("details.publicAccessBlock.", True)}


@resource_policy(
    "s3-public-access-block-enabled",
    description="All four S3 public-access-block flags must be on: on every bucket, on the account, and on every "
                "access point.",
    controls=["RAZ-S3-002"], types=list(_PUBLIC_ACCESS_BLOCKS))
def s3_public_access_block_enabled(resource: ResourceView) -> Iterator[str]:
    prefix, default = _PUBLIC_ACCESS_BLOCKS[resource.type]
    off = [flag for flag in PUBLIC_ACCESS_BLOCK_FLAGS if resource.flag(f"{prefix}{flag}", default) is not True]
    if off:
        yield (f"'{resource.name}' leaves {', '.join(prefix + f for f in off)} off: set all four public-access-block "
               "flags to true.")


def _public_grants(grants: list, uri_path: str) -> list[str]:
    return [str(g.get(uri_path)) for g in grants if isinstance(g, dict) and
            any(str(g.get(uri_path) or "").endswith(group) for group in PUBLIC_GRANTEE_GROUPS)]


@resource_policy(
    "s3-no-public-acl",
    description="S3 buckets must not grant access through public canned ACLs or grants to all users.",
    controls=["RAZ-S3-003"], types=[*S3_ACL, *S3_BUCKETS, *S3_OBJECTS])
def s3_no_public_acl(resource: ResourceView) -> Iterator[str]:
    acl = resource.known("acl")
    if acl in PUBLIC_CANNED_ACLS:
        yield f"'{resource.name}' sets the public canned ACL {acl!r}: remove it (ACLs are disabled in the zone)."
    if resource.type in S3_BUCKETS or resource.type in S3_OBJECTS:
        grants = as_list(resource.known("grants"))
        public = _public_grants(grants, "uri")
    else:
        grants = as_list(resource.known("accessControlPolicy.grants"))
        public = _public_grants([g.get("grantee") for g in grants if isinstance(g, dict)], "uri")
    for uri in public:
        yield f"'{resource.name}' grants access to the group {uri}: remove the grant."


@resource_policy(
    "s3-acls-disabled",
    description="S3 object ownership must be BucketOwnerEnforced, which disables ACLs.",
    controls=["RAZ-S3-003"], types=[S3_OWNERSHIP_CONTROLS])
def s3_acls_disabled(resource: ResourceView) -> Iterator[str]:
    ownership = resource.known("rule.objectOwnership")
    if ownership != "BucketOwnerEnforced":
        yield (f"'{resource.name}' sets objectOwnership {ownership!r}: use BucketOwnerEnforced so that no ACL "
               "can grant access.")


@resource_policy(
    "s3-bucket-policy-no-public-principal",
    description="S3 bucket policies must not allow anyone outside the zone: an Allow to '*' counts only when "
                "its conditions (and the policy's Denies) bind it to an account, organization or service source.",
    controls=["RAZ-S3-004"], types=[S3_BUCKET_POLICY, *S3_BUCKETS, *S3_OTHER_RESOURCE_POLICIES])
def s3_bucket_policy_no_public_principal(resource: ResourceView) -> Iterator[str]:
    try:
        document = parsed_policy(resource)
    except PolicyProblem as problem:
        yield f"{problem}."
        return
    if document is None:
        return
    for problem in open_grants(document, zone_account(resource.settings), cross_account=False):
        yield (f"'{resource.name}': {problem}: name the principals, or pin it with "
               "aws:SourceAccount/aws:SourceArn/aws:PrincipalOrgID.")


def _bucket_arn(resource: ResourceView) -> str:
    """The ARN of the bucket a bucket policy is attached to (its `bucket` name)."""
    name = resource.known("bucket")
    if not isinstance(name, str) or not name:
        raise PolicyProblem(f"'{resource.name}' names no bucket, so the policy's Deny cannot be judged")
    return f"arn:{partition_of(resource)}:s3:::{name}"


@resource_policy(
    "s3-bucket-policy-tls-only",
    description="S3 bucket policies must deny every request that does not use TLS.",
    controls=["RAZ-S3-004"], types=[S3_BUCKET_POLICY])
def s3_bucket_policy_tls_only(resource: ResourceView) -> Iterator[str]:
    try:
        document = parsed_policy(resource)
    except PolicyProblem as problem:
        yield f"{problem}."
        return
    try:
        arn = _bucket_arn(resource)
    except PolicyProblem as problem:
        yield f"{problem}."
        return
    if not denies_plain_http(document, arn):
        yield (f"'{resource.name}' does not deny insecure transport to everyone on the bucket and its objects: add "
               "a Deny of s3:* for Principal '*' on the bucket and bucket/* with Condition Bool "
               "aws:SecureTransport = false.")


# --- WORM audit storage ----------------------------------------------------------------------

@resource_policy(
    "s3-object-lock-compliance-retention",
    description="S3 Object Lock default retention must be COMPLIANCE mode and at least as long as the "
                "frameworks in scope require.",
    controls=["RAZ-AUD-001"], types=[*S3_OBJECT_LOCK, *S3_BUCKETS])
def s3_object_lock_compliance_retention(resource: ResourceView) -> Iterator[str]:
    prefix = ""
    if resource.type in S3_BUCKETS:  # the deprecated inline objectLockConfiguration
        if resource.known("objectLockConfiguration") is None:
            return
        prefix = "objectLockConfiguration."
    enabled = resource.known(f"{prefix}objectLockEnabled", "Enabled")
    if enabled != "Enabled":
        yield f"'{resource.name}' sets objectLockEnabled {enabled!r}: it must be Enabled."
    if not isinstance(resource.known(f"{prefix}rule.defaultRetention"), dict):
        yield (f"'{resource.name}' has no default retention: objects written without their own retention "
               f"would not be locked. Set {prefix}rule.defaultRetention (mode COMPLIANCE).")
        return
    mode = resource.known(f"{prefix}rule.defaultRetention.mode")
    if mode != "COMPLIANCE":
        yield (f"'{resource.name}' uses Object Lock mode {mode!r}: GOVERNANCE can be bypassed by anyone with "
               "s3:BypassGovernanceRetention. Use COMPLIANCE.")
    days = (resource.number(f"{prefix}rule.defaultRetention.days", 0)
            + resource.number(f"{prefix}rule.defaultRetention.years", 0) * DAYS_PER_YEAR)
    required = required_retention_days(resource)
    if days < required:
        yield (f"'{resource.name}' retains audit objects for {days:g} days; the frameworks in scope require "
               f"at least {required} days (pack setting frameworks/min_retention_days).")


def inline_lock_mode(bucket: ResourceView) -> str | None:
    """The default retention mode of a bucket's deprecated inline objectLockConfiguration."""
    return bucket.known("objectLockConfiguration.rule.defaultRetention.mode")


def _maybe_true(value: Any, path: str) -> bool:
    """True, or not known yet: a bucket that may be locked is judged as one, which only adds the
    locked bucket's requirements (so the value is read as a reference)."""
    return is_unknown(value) or as_bool(value, path) is True


def compliance_lock_problem(bucket: ResourceView, locks: dict[str, list[ResourceView]]) -> str | None:
    """Why `bucket` is not write-once for its retention (None: Object Lock with a COMPLIANCE-mode
    default retention). `locks` is `configured_buckets(stack, S3_OBJECT_LOCK)`."""
    inline = inline_lock_mode(bucket)
    if bucket.flag("objectLockEnabled", False) is not True and inline is None:
        return (f"bucket '{bucket.name}', which has no Object Lock: use a bucket created with objectLockEnabled "
                "(the zone's AuditBucket)")
    modes = [lock.known("rule.defaultRetention.mode") for lock in locks.get(bucket.urn, [])] + [inline]
    if "COMPLIANCE" not in modes:
        return (f"bucket '{bucket.name}', whose Object Lock has no COMPLIANCE-mode default retention: add a "
                "BucketObjectLockConfiguration in COMPLIANCE mode")
    return None


def locked_bucket_urns(stack: StackView) -> set[str]:
    locked = {b.urn for b in stack.of_type(*S3_BUCKETS)
              if _maybe_true(b.reference("objectLockEnabled"), "objectLockEnabled")
              or b.get("objectLockConfiguration.objectLockEnabled") == "Enabled"}
    locked.update(configured_buckets(stack, S3_OBJECT_LOCK))
    return locked


@stack_policy(
    "s3-locked-bucket-versioning-enabled",
    description="Versioning must stay enabled on a bucket with Object Lock.",
    controls=["RAZ-AUD-001"], types=S3_VERSIONING)
def s3_locked_bucket_versioning_enabled(stack: StackView) -> Iterator[tuple[str, str]]:
    locked = locked_bucket_urns(stack)
    for versioning in stack.of_type(*S3_VERSIONING):
        bucket = bucket_of(versioning, stack)
        if bucket is None or bucket.urn not in locked:
            continue
        status = versioning.known("versioningConfiguration.status")
        if status != "Enabled":
            yield versioning.urn, (f"'{versioning.name}' sets versioning {status!r} on the Object Lock bucket "
                                   f"'{bucket.name}': locked buckets must keep versioning Enabled.")


@stack_policy(
    "s3-bucket-baseline-configured",
    description="Every S3 bucket must have a public-access block and a KMS default encryption configuration.",
    controls=["RAZ-S3-001", "RAZ-S3-002"], types=(*S3_BUCKETS, S3_PUBLIC_ACCESS_BLOCK, *S3_SSE))
def s3_bucket_baseline_configured(stack: StackView) -> Iterator[tuple[str, str]]:
    blocks = configured_buckets(stack, S3_PUBLIC_ACCESS_BLOCK)
    encryption = configured_buckets(stack, S3_SSE)
    for bucket in stack.of_type(*S3_BUCKETS):
        if bucket.urn not in blocks:
            yield bucket.urn, (f"bucket '{bucket.name}' has no BucketPublicAccessBlock: add one with all four "
                               "flags on.")
        inline = bucket.get("serverSideEncryptionConfiguration")
        if bucket.urn not in encryption and not isinstance(inline, dict):
            yield bucket.urn, (f"bucket '{bucket.name}' has no BucketServerSideEncryptionConfiguration: add one "
                               "with aws:kms and the zone key.")
