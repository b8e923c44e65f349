"""One data bucket per data class the zone holds (controls RAZ-S3-*, RAZ-DATA-001).

Each bucket is encrypted with the zone's data key and expires objects after the data class's
`retention_days` (data_class_policy), so deletion by policy is built in rather than a job that
may not run. Noncurrent versions (left by overwrites and erasure deletes) are removed after a
short grace period; docs/erasure.md explains how an erasure request is served.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.audit_bucket import data_bucket_policy, harden_bucket, lifecycle_rules
from regzone.tags import RETENTION_KEPT, TAG_DATA_CLASS, TAG_RETENTION_DAYS


def bucket_resource_name(component: str, data_class: str) -> str:
    """Bucket names allow no underscores; data class names may have them."""
    return f"{component}-{data_class.replace('_', '-')}"


@dataclass
class DataBucketsArgs:
    zone_name: str
    # data class -> retention in days (None: kept until deleted, no expiration rule)
    retention_days: Mapping[str, int | None]
    kms_key_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]


class DataBuckets(pulumi.ComponentResource):
    """`buckets[data_class]` and `bucket_arns[data_class]` (the trail records their data events)."""

    buckets: dict[str, aws.s3.Bucket]
    bucket_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: DataBucketsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:data:DataBuckets", name, None, opts)
        self.buckets = {}
        for data_class, days in sorted(args.retention_days.items()):
            if days is not None and days < 1:
                raise ValueError(f"DataBuckets {name}: retention of data class {data_class!r} must be at "
                                 f"least 1 day, got {days}")
            resource_name = bucket_resource_name(name, data_class)
            # The zone-wide data-class tag lists every class; each bucket holds exactly one. The
            # retention tag lets the evidence collector hold the lifecycle to the class's retention.
            retention = str(days) if days is not None else RETENTION_KEPT
            bucket = aws.s3.Bucket(resource_name, force_destroy=False,
                                   tags={TAG_DATA_CLASS: data_class, TAG_RETENTION_DAYS: retention},
                                   opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
            harden_bucket(
                resource_name, bucket, kms_key_arn=args.kms_key_arn,
                policy=pulumi.Output.all(bucket.arn, args.kms_key_arn).apply(
                    lambda v: data_bucket_policy(bucket_arn=v[0], kms_key_arn=v[1])),
                lifecycle=lifecycle_rules(expire_after_days=days),
                access_log_bucket=args.access_log_bucket, parent=self)
            self.buckets[data_class] = bucket
        self.bucket_arns = {data_class: bucket.arn for data_class, bucket in self.buckets.items()}
        self.register_outputs({"bucket_arns": self.bucket_arns})
