"""No role, user or group holds an identity policy (inline or attached) that grants a whole service
on all its resources (regzone_core.policy.privilege.service_wide)."""
from regzone.evidence.checks import per_resource
from regzone.evidence.rules import identity_grant_verdict
from regzone_core.policy.privilege import service_wide


def judge(principal, ctx):
    return identity_grant_verdict(principal, ctx, service_wide, "administers the service",
                                  "none grants a service wholesale")


def execute(ctx):
    for kind in ("role", "user", "group"):
        yield from per_resource(ctx, "iam", kind, judge)
