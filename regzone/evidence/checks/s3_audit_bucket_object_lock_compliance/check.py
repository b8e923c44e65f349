"""Every bucket a trail or S3 flow log delivers to, and every bucket tagged regzone:audit=true,
keeps objects immutable (COMPLIANCE mode) for at least the frameworks' retention."""
from regzone.evidence.checks import failed, passed, per_audit_bucket
from regzone.evidence.model import ApiError, Result, Status
from regzone.evidence.rules import audit_destinations, bucket_name, object_lock_problem, object_lock_summary


def judge(bucket, sources, ctx):
    why = f"audit bucket ({', '.join(sources)})"
    problem = object_lock_problem(bucket.get("object_lock"), ctx.min_retention_days)
    if problem:
        return failed(f"{why}: {problem}")
    return passed(f"{why}: {object_lock_summary(bucket.get('object_lock'))}")


def execute(ctx):
    destinations, unknown = audit_destinations(ctx)
    for region, error in unknown:
        yield Result(ctx.scope_id("s3", region), region, Status.ERROR,
                     f"cannot tell which buckets receive audit logs: {error}")
    yield from per_audit_bucket(ctx, judge, destinations)
    for inventory in ctx.inventories("s3"):
        try:
            seen = {bucket_name(b.id) for b in inventory.of("bucket")}
        except ApiError:
            continue   # per_resource already reported the failed listing
        for name in sorted(set(destinations) - seen):
            yield Result(f"arn:{ctx.partition}:s3:::{name}", "unknown", Status.ERROR,
                         f"audit logs go to bucket {name} ({', '.join(destinations[name])}), which is not in the "
                         "scanned regions of this account: scan its region or its account")
