"""Every log group names a KMS key."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(group, ctx):
    key = group.data.get("kmsKeyId")
    return passed(f"encrypted with {key}") if key else failed("no KMS key")


def execute(ctx):
    return per_resource(ctx, "logs", "log_group", judge)
