"""A Deny of s3:* to everyone on the bucket and its objects when aws:SecureTransport is false."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone_core.policy.verdicts import denies_plain_http


def judge(bucket, ctx):
    policy = bucket.get("policy")
    if policy is None:
        return failed("no bucket policy, so requests without TLS are not denied")
    if denies_plain_http(policy, bucket.id):
        return passed("bucket policy denies s3:* on the bucket and its objects when aws:SecureTransport is false")
    return failed("bucket policy has no Deny of s3:* for aws:SecureTransport=false covering the bucket and its objects")


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
