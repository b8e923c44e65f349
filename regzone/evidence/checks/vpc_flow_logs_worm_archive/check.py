"""An ACTIVE flow log of ALL traffic delivers to an S3 bucket whose Object Lock keeps objects in
COMPLIANCE mode for the frameworks' retention: the network record is write-once, like the trail."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError
from regzone.evidence.rules import bucket_name, object_lock_problem, object_lock_summary


def _lock(name, ctx):
    for inventory in ctx.inventories("s3"):
        for bucket in inventory.of("bucket"):
            if bucket_name(bucket.id) == name:
                return bucket.get("object_lock")
    raise ApiError("s3:GetBucketObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration",
                   f"bucket {name} is not in the scanned regions of this account: scan its region or its account")


def judge(vpc, ctx):
    logs = [f for f in ctx.inventory("vpc", vpc.region).fact("flow_logs")
            if f.get("ResourceId") == vpc.get("VpcId") and f.get("LogDestinationType") == "s3"]
    archives = [f for f in logs if f.get("FlowLogStatus") == "ACTIVE" and f.get("TrafficType") == "ALL"]
    if not archives:
        return failed("no ACTIVE flow log of ALL traffic delivers to S3" + (
            ": " + ", ".join(f"{f.get('FlowLogId')} ({f.get('TrafficType')}, {f.get('FlowLogStatus')})" for f in logs)
            if logs else ""))
    problems = []
    for flow_log in archives:
        name = bucket_name(flow_log.get("LogDestination", ""))
        lock = _lock(name, ctx)
        problem = object_lock_problem(lock, ctx.min_retention_days)
        if problem is None:
            return passed(f"flow log {flow_log.get('FlowLogId')} archives ALL traffic in bucket {name}: "
                          f"{object_lock_summary(lock)}")
        problems.append(f"flow log {flow_log.get('FlowLogId')} delivers to bucket {name}: {problem}")
    return failed("; ".join(problems))


def execute(ctx):
    return per_resource(ctx, "vpc", "vpc", judge)
