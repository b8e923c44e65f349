"""Key policies of customer-managed keys: no unpinned `*` principal, no principal in another account."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone_core.policy.verdicts import open_grants


def judge(key, ctx):
    if key.get("metadata").get("KeyManager") != "CUSTOMER":
        return None
    problems = open_grants(key.get("policy") or {"Statement": []}, ctx.account, cross_account=True)
    return failed("; ".join(problems)) if problems else passed("key policy grants only principals of this account")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
