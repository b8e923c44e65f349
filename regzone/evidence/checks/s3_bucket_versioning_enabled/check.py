"""Versioning keeps every overwritten or deleted object recoverable."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(bucket, ctx):
    status = bucket.get("versioning")
    return passed("versioning is Enabled") if status == "Enabled" else failed(f"versioning is {status}")


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
