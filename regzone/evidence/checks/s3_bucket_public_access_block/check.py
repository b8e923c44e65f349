"""All four bucket-level public-access-block flags, independent of the account-level block."""
from regzone.evidence.checks import failed, passed, per_resource

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def judge(bucket, ctx):
    block = bucket.get("public_access_block") or {}
    off = [flag for flag in FLAGS if block.get(flag) is not True]
    return failed(f"public access block flags off: {', '.join(off)}") if off else passed("all four public access block flags are on")


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
