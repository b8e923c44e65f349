"""The trail is actually recording (IsLogging), not merely configured."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(trail, ctx):
    return passed("trail is logging") if trail.get("status").get("IsLogging") else failed("trail is not logging")


def execute(ctx):
    return per_resource(ctx, "cloudtrail", "trail", judge)
