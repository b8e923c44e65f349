"""Every role's trust policy admits only named principals (regzone_core.policy.trust); AWS writes
the trust policies of service-linked roles, which are not judged."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import is_service_linked
from regzone_core.policy.trust import trust_problems


def judge(role, ctx):
    if is_service_linked(role):
        return None
    problems = trust_problems(role.get("AssumeRolePolicyDocument"), account=ctx.account)
    if problems:
        return failed("; ".join(p.message for p in problems))
    return passed("the trust policy admits only named principals")


def execute(ctx):
    return per_resource(ctx, "iam", "role", judge)
