"""The zone's WORM audit bucket and its access-log bucket (controls RAZ-AUD-*, RAZ-S3-*).

Object Lock is switched on at creation (it cannot be added later without replacing the bucket)
with a COMPLIANCE-mode default retention as long as the strictest framework in scope requires:
no one, the account root included, can delete or shorten the retention of an audit object.
Server access logs go to a separate, equally hardened bucket: a bucket must not log into itself,
and an access-log target may not have an Object Lock default retention.

`harden_bucket` is the baseline every zone bucket gets (the data buckets use it too).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from regzone.tags import AUDIT_TRUE, TAG_AUDIT

# Colder storage that still answers in milliseconds: CloudTrail digest validation and auditors'
# queries read old objects without a restore.
COLD_STORAGE_CLASS = "GLACIER_IR"
TRANSITION_DAYS = 90
# Noncurrent versions (after expiration or a delete) are kept this long before they are removed.
NONCURRENT_GRACE_DAYS = 30
ABORT_MULTIPART_DAYS = 7


def tls_only_statement(bucket_arn: str) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def wrong_key_statements(bucket_arn: str, kms_key_arn: str) -> list[dict]:
    """Deny uploads that ask for another algorithm or another (or no named) KMS key. Uploads that
    ask for nothing get the bucket default, SSE-KMS with the zone key: that keeps log delivery
    working, which sends no encryption headers. Each deny tests that its header is present
    (`Null: false`), because a negated operator is true for an absent key and would deny those."""
    objects = f"{bucket_arn}/*"
    sse, key_id = "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id"
    return [
        {
            "Sid": "DenyNonKmsUploads",
            "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects,
            "Condition": {"Null": {sse: "false"}, "StringNotEquals": {sse: "aws:kms"}},
        },
        {
            "Sid": "DenyUploadsWithAnotherKey",
            "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects,
            "Condition": {"Null": {key_id: "false"}, "StringNotEquals": {key_id: kms_key_arn}},
        },
        {
            # aws:kms without a key id would fall back to the AWS managed aws/s3 key.
            "Sid": "DenyKmsUploadsWithoutZoneKey",
            "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects,
            "Condition": {"StringEquals": {sse: "aws:kms"}, "Null": {key_id: "true"}},
        },
    ]


def audit_bucket_policy(*, bucket_arn: str, kms_key_arn: str, account_id: str, partition: str) -> str:
    """TLS only, zone key only, and delivery by CloudTrail and VPC flow logs for this account."""
    logs_prefix = f"{bucket_arn}/AWSLogs/{account_id}/*"
    source = {"aws:SourceAccount": account_id}
    statements = [tls_only_statement(bucket_arn), *wrong_key_statements(bucket_arn, kms_key_arn)]
    statements += [
        {
            "Sid": "LogDeliveryChecksBucketAcl",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"]},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": source},
        },
        {
            "Sid": "CloudTrailDelivers",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": logs_prefix,
            "Condition": {
                "StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"},
            },
        },
        {
            "Sid": "FlowLogsDeliver",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": logs_prefix,
            "Condition": {
                "StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:*:{account_id}:*"},
            },
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def access_log_bucket_policy(*, bucket_arn: str, kms_key_arn: str, account_id: str) -> str:
    """TLS only, zone key only, and S3 server access log delivery from this account's buckets."""
    statements = [tls_only_statement(bucket_arn), *wrong_key_statements(bucket_arn, kms_key_arn), {
        "Sid": "S3ServerAccessLogsDeliver",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def data_bucket_policy(*, bucket_arn: str, kms_key_arn: str) -> str:
    """TLS only and zone data key only; access itself is granted by IAM, never by the bucket."""
    statements = [tls_only_statement(bucket_arn), *wrong_key_statements(bucket_arn, kms_key_arn)]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def lifecycle_rules(*, expire_after_days: int | None, transition_days: int | None = None
                    ) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """One rule for the whole bucket: optional transition to cold storage, expiration of current
    versions after `expire_after_days`, removal of noncurrent versions after the grace period."""
    transitions = None
    if transition_days is not None and (expire_after_days is None or transition_days < expire_after_days):
        transitions = [aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=transition_days, storage_class=COLD_STORAGE_CLASS)]
    expiration = (aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expire_after_days)
                  if expire_after_days is not None else None)
    return [aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="retention",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        transitions=transitions,
        expiration=expiration,
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=NONCURRENT_GRACE_DAYS),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_DAYS),
    )]


def harden_bucket(name: str, bucket: aws.s3.Bucket, *, kms_key_arn: pulumi.Input[str],
                  policy: pulumi.Input[str], lifecycle: Sequence[aws.s3.BucketLifecycleConfigurationRuleArgs],
                  access_log_bucket: pulumi.Input[str] | None, parent: pulumi.Resource,
                  ) -> aws.s3.BucketPolicy:
    """Versioning, SSE-KMS with bucket keys, all four public-access-block flags, ACLs disabled,
    the bucket policy, lifecycle and server access logging. Returns the policy, which log
    writers must depend on."""
    kept = pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True)
    child = pulumi.ResourceOptions(parent=parent)
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=kept)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse", bucket=bucket.id,
        rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.
            BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn),
            bucket_key_enabled=True)],
        opts=kept)
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=kept)
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=kept)
    bucket_policy = aws.s3.BucketPolicy(
        f"{name}-policy", bucket=bucket.id, policy=policy,
        opts=pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True, depends_on=[block]))
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle", bucket=bucket.id, rules=list(lifecycle),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[versioning]))
    if access_log_bucket is not None:
        aws.s3.BucketLogging(f"{name}-access-logging", bucket=bucket.id, target_bucket=access_log_bucket,
                             target_prefix=pulumi.Output.concat(bucket.bucket, "/"), opts=child)
    return bucket_policy


@dataclass
class AuditBucketArgs:
    zone_name: str
    # The longest audit retention any framework in scope requires (StackConfig.zone_retention_days).
    retention_days: int
    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    transition_days: int = TRANSITION_DAYS
    # Fixed names (None: Pulumi's generated ones): the account baseline names its buckets, so that the
    # guardrail SCP can protect them by ARN (regzone_core/policy/data/guardrails.json).
    bucket_name: str | None = None
    access_log_bucket_name: str | None = None


class AuditBucket(pulumi.ComponentResource):
    """`bucket` (WORM, Object Lock COMPLIANCE) and `access_log_bucket`; `policy` is the audit
    bucket's policy, which CloudTrail and flow logs must be created after."""

    bucket: aws.s3.Bucket
    access_log_bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: AuditBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:audit:AuditBucket", name, None, opts)
        if args.retention_days < 1:
            raise ValueError(f"AuditBucket {name}: retention_days must be at least 1, got {args.retention_days}")
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        # An access-log target may not have an Object Lock default retention: this bucket is versioned,
        # kept and expires at the same retention instead.
        self.access_log_bucket = aws.s3.Bucket(f"{name}-access-logs", bucket=args.access_log_bucket_name,
                                               force_destroy=False,
                                               tags={"purpose": "s3-access-logs"}, opts=kept)
        harden_bucket(
            f"{name}-access-logs", self.access_log_bucket, kms_key_arn=args.kms_key_arn,
            policy=pulumi.Output.all(self.access_log_bucket.arn, args.kms_key_arn, args.account_id).apply(
                lambda v: access_log_bucket_policy(bucket_arn=v[0], kms_key_arn=v[1], account_id=v[2])),
            lifecycle=lifecycle_rules(expire_after_days=args.retention_days, transition_days=args.transition_days),
            access_log_bucket=None, parent=self)

        # The tag tells the evidence collector to require the COMPLIANCE lock on this bucket.
        self.bucket = aws.s3.Bucket(f"{name}", bucket=args.bucket_name, object_lock_enabled=True, force_destroy=False,
                                    tags={TAG_AUDIT: AUDIT_TRUE}, opts=kept)
        aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock", bucket=self.bucket.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE", days=args.retention_days)),
            opts=kept)
        self.policy = harden_bucket(
            name, self.bucket, kms_key_arn=args.kms_key_arn,
            policy=pulumi.Output.all(self.bucket.arn, args.kms_key_arn, args.account_id, args.partition).apply(
                lambda v: audit_bucket_policy(bucket_arn=v[0], kms_key_arn=v[1], account_id=v[2], partition=v[3])),
            # Never expire before the retention ends: the lock would refuse it anyway, and the
            # expiration only marks current versions noncurrent once their lock has lapsed.
            lifecycle=lifecycle_rules(expire_after_days=args.retention_days, transition_days=args.transition_days),
            access_log_bucket=self.access_log_bucket.bucket, parent=self)
        self.register_outputs({"bucket": self.bucket.bucket, "access_log_bucket": self.access_log_bucket.bucket})
