"""No role, user or group may pass every role of an account (regzone_core.policy.privilege.unbounded_pass_role)."""
from regzone.evidence.checks import per_resource
from regzone.evidence.rules import identity_grant_verdict
from regzone_core.policy.privilege import unbounded_pass_role


def judge(principal, ctx):
    return identity_grant_verdict(principal, ctx, unbounded_pass_role, "any role could be passed to a service",
                                  "none passes an unnamed role")


def execute(ctx):
    for kind in ("role", "user", "group"):
        yield from per_resource(ctx, "iam", kind, judge)
