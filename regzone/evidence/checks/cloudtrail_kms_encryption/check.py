"""Logs encrypted with a customer-managed KMS key, so reading them needs the audit key too."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem


def judge(trail, ctx):
    key = trail.data.get("KmsKeyId")
    if not key:
        return failed("no KMS key: logs use SSE-S3 only")
    problem = customer_key_problem(ctx, trail.region, key, "log encryption")
    return failed(problem) if problem else passed(f"logs encrypted with customer-managed key {key}")


def execute(ctx):
    return per_resource(ctx, "cloudtrail", "trail", judge)
