"""Every log group names a customer-managed KMS key (without one, CloudWatch Logs uses its own key)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem


def judge(group, ctx):
    key = group.data.get("kmsKeyId")
    if not key:
        return failed("no KMS key: CloudWatch Logs encrypts with a key it owns")
    problem = customer_key_problem(ctx, group.region, key, "log group encryption")
    return failed(problem) if problem else passed(f"encrypted with customer-managed key {key}")


def execute(ctx):
    return per_resource(ctx, "logs", "log_group", judge)
