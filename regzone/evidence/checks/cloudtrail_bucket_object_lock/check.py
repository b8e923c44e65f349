"""The trail's own destination bucket is immutable for the frameworks' retention."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError
from regzone.evidence.rules import bucket_name, object_lock_problem, object_lock_summary


def judge(trail, ctx):
    name = trail.get("S3BucketName")
    for inventory in ctx.inventories("s3"):
        for bucket in inventory.of("bucket"):
            if bucket_name(bucket.id) == name:
                problem = object_lock_problem(bucket.get("object_lock"), ctx.min_retention_days)
                if problem:
                    return failed(f"bucket {name}: {problem}")
                return passed(f"bucket {name}: {object_lock_summary(bucket.get('object_lock'))}")
    raise ApiError("s3:GetBucketObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration",
                   f"bucket {name} is not in the scanned regions of this account: scan its region or its account")


def execute(ctx):
    return per_resource(ctx, "cloudtrail", "trail", judge)
