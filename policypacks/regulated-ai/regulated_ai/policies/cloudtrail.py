"""CloudTrail: one multi-region, validated, KMS-encrypted trail delivering to WORM storage
(controls RAZ-LOG-001..003, RAZ-AUD-001)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.s3 import bucket_of, configured_buckets, inline_lock_mode
from regulated_ai.types import CLOUDTRAIL_TRAIL, S3_OBJECT_LOCK


@resource_policy(
    "cloudtrail-multi-region",
    description="CloudTrail trails must be multi-region, record global service events and be logging.",
    controls=["RAZ-LOG-001"], types=[CLOUDTRAIL_TRAIL])
def cloudtrail_multi_region(trail: ResourceView) -> Iterator[str]:
    if trail.known("isMultiRegionTrail", False) is not True:
        yield f"trail '{trail.name}' records one region only: set isMultiRegionTrail to true."
    if trail.known("includeGlobalServiceEvents", True) is not True:
        yield f"trail '{trail.name}' skips global service events (IAM, STS): set includeGlobalServiceEvents to true."
    if trail.known("enableLogging", True) is not True:
        yield f"trail '{trail.name}' is created with logging off: set enableLogging to true."


@resource_policy(
    "cloudtrail-log-file-validation",
    description="CloudTrail trails must write digest files so that altered or deleted logs are detectable.",
    controls=["RAZ-LOG-002"], types=[CLOUDTRAIL_TRAIL])
def cloudtrail_log_file_validation(trail: ResourceView) -> Iterator[str]:
    if trail.known("enableLogFileValidation", False) is not True:
        yield f"trail '{trail.name}' has no log file validation: set enableLogFileValidation to true."


@resource_policy(
    "cloudtrail-kms-encryption",
    description="CloudTrail trails must encrypt log files with a customer-managed KMS key.",
    controls=["RAZ-LOG-003"], types=[CLOUDTRAIL_TRAIL])
def cloudtrail_kms_encryption(trail: ResourceView) -> Iterator[str]:
    if not trail.known("kmsKeyId"):
        yield f"trail '{trail.name}' is not KMS-encrypted: set kmsKeyId to the zone's audit key ARN."


@stack_policy(
    "cloudtrail-bucket-compliance-locked",
    description="A trail must deliver to a bucket of the stack that has Object Lock in COMPLIANCE mode.",
    controls=["RAZ-AUD-001"])
def cloudtrail_bucket_compliance_locked(stack: StackView) -> Iterator[tuple[str, str]]:
    locks = configured_buckets(stack, S3_OBJECT_LOCK)
    for trail in stack.of_type(CLOUDTRAIL_TRAIL):
        bucket = bucket_of(trail, stack, "s3BucketName")
        if bucket is None:
            yield trail.urn, (f"trail '{trail.name}' delivers to a bucket this stack does not create, so its "
                              "Object Lock cannot be verified: deliver to the zone's WORM audit bucket.")
            continue
        inline = inline_lock_mode(bucket)
        if bucket.known("objectLockEnabled", False) is not True and inline is None:
            yield trail.urn, (f"trail '{trail.name}' delivers to bucket '{bucket.name}', which has no Object Lock: "
                              "use a bucket created with objectLockEnabled (the zone's AuditBucket).")
            continue
        modes = [lock.known("rule.defaultRetention.mode") for lock in locks.get(bucket.urn, [])] + [inline]
        if "COMPLIANCE" not in modes:
            yield trail.urn, (f"trail '{trail.name}' delivers to bucket '{bucket.name}', whose Object Lock has no "
                              "COMPLIANCE-mode default retention: add a BucketObjectLockConfiguration in "
                              "COMPLIANCE mode.")
