"""The account-wide public access block: the backstop for buckets created outside the zone."""
from regzone.evidence.checks import failed, passed, per_resource

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def judge(account, ctx):
    block = account.get("public_access_block") or {}
    off = [flag for flag in FLAGS if block.get(flag) is not True]
    if off:
        return failed(f"account public access block flags off: {', '.join(off)}")
    return passed("all four account public access block flags are on")


def execute(ctx):
    return per_resource(ctx, "s3_account", "account", judge, scoped=False)
