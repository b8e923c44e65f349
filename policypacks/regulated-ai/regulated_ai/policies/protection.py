"""Resources whose loss destroys evidence or data must be `protect`ed (RAZ-KMS-004, RAZ-AUD-002)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.s3 import bucket_of, locked_bucket_urns
from regulated_ai.types import (CLOUDTRAIL_EVENT_DATA_STORE, CLOUDTRAIL_TRAIL, KMS_KEYS, LOG_GROUP, S3_BUCKETS,
                                S3_DIRECTORY_BUCKET, S3_OBJECT_LOCK, S3_TABLE_BUCKET, S3_VECTOR_BUCKET)

# Types that hold keys, data or audit evidence (catalog RAZ-KMS-004 and RAZ-AUD-002 `covers`): every
# kind of S3 bucket (general purpose, directory, table, vector), CloudTrail Lake included.
PROTECTED_TYPES = [*KMS_KEYS, *S3_BUCKETS, S3_DIRECTORY_BUCKET, S3_TABLE_BUCKET, S3_VECTOR_BUCKET, CLOUDTRAIL_TRAIL,
                   CLOUDTRAIL_EVENT_DATA_STORE, LOG_GROUP]


@resource_policy(
    "regulated-resource-protected",
    description="Keys, buckets, trails, event data stores and log groups must be created with Pulumi's protect "
                "option.",
    controls=["RAZ-KMS-004", "RAZ-AUD-002"], types=PROTECTED_TYPES)
def regulated_resource_protected(resource: ResourceView) -> Iterator[str]:
    if not resource.protect:
        yield (f"'{resource.name}' ({resource.type}) is not protected: a destroy or refactor could delete it. "
               "Set opts=ResourceOptions(protect=True).")


@stack_policy(
    "audit-bucket-protected",
    description="Audit buckets (Object Lock buckets and trail destinations) and their Object Lock "
                "configuration must be protected.",
    controls=["RAZ-AUD-002"], types=(*S3_BUCKETS, *S3_OBJECT_LOCK, CLOUDTRAIL_TRAIL))
def audit_bucket_protected(stack: StackView) -> Iterator[tuple[str, str]]:
    audit = locked_bucket_urns(stack)
    for trail in stack.of_type(CLOUDTRAIL_TRAIL):
        bucket = bucket_of(trail, stack, "s3BucketName")
        if bucket is not None:
            audit.add(bucket.urn)
    for urn in sorted(audit):
        bucket = stack.by_urn[urn]
        if not bucket.protect:
            yield urn, (f"audit bucket '{bucket.name}' is not protected: `pulumi destroy` would try to delete "
                        "the evidence store. Set opts=ResourceOptions(protect=True, retain_on_delete=True).")
    for lock in stack.of_type(*S3_OBJECT_LOCK):
        bucket = bucket_of(lock, stack)
        if bucket is not None and bucket.urn in audit and not lock.protect:
            yield lock.urn, (f"Object Lock configuration '{lock.name}' of audit bucket '{bucket.name}' is not "
                             "protected: set opts=ResourceOptions(protect=True, retain_on_delete=True).")
