"""Every log group has an explicit retention (never-expire is not a reviewed retention), and a log
group that holds audit records -- the CloudWatch Logs copy of a trail, a VPC flow log's destination
-- keeps them for the frameworks' audit retention (--framework / --min-retention-days), up to the
ten years CloudWatch Logs can keep."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import Result, Status
from regzone.evidence.rules import CLOUDWATCH_MAX_RETENTION_DAYS, audit_log_groups


def _judge(audit):
    def judge(group, ctx):
        days = group.data.get("retentionInDays")
        if not days:
            return failed("no retention: events never expire")
        sources = audit.get((group.region, group.data.get("logGroupName")))
        if not sources:
            return passed(f"retention {days} days")
        required = min(ctx.min_retention_days, CLOUDWATCH_MAX_RETENTION_DAYS)
        why = f"audit log group ({', '.join(sources)})"
        if days < required:
            return failed(f"{why}: retention {days} days, shorter than the required {required} days")
        return passed(f"{why}: retention {days} days (required {required})")
    return judge


def execute(ctx):
    audit, unknown = audit_log_groups(ctx)
    for region, error in unknown:
        yield Result(ctx.scope_id("logs", region), region, Status.ERROR,
                     f"cannot tell which log groups receive audit records: {error}")
    yield from per_resource(ctx, "logs", "log_group", _judge(audit))
