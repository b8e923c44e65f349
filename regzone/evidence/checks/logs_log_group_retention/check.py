"""Every log group has an explicit retention (never-expire is not a reviewed retention)."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(group, ctx):
    days = group.data.get("retentionInDays")
    return passed(f"retention {days} days") if days else failed("no retention: events never expire")


def execute(ctx):
    return per_resource(ctx, "logs", "log_group", judge)
