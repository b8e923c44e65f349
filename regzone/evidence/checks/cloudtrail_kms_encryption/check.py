"""Logs encrypted with a KMS key, so reading them needs the audit key too."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(trail, ctx):
    key = trail.data.get("KmsKeyId")
    return passed(f"logs encrypted with {key}") if key else failed("no KMS key: logs use SSE-S3 only")


def execute(ctx):
    return per_resource(ctx, "cloudtrail", "trail", judge)
