"""Object ownership BucketOwnerEnforced disables every ACL, so only policies grant access."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(bucket, ctx):
    rules = bucket.get("ownership")
    if rules == ["BucketOwnerEnforced"]:
        return passed("object ownership is BucketOwnerEnforced (ACLs disabled)")
    return failed(f"object ownership is {', '.join(map(str, rules)) or 'not set'}, so ACLs are honoured")


def execute(ctx):
    return per_resource(ctx, "s3", "bucket", judge)
