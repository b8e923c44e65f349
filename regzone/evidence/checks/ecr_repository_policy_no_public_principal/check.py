"""No Allow to `*` unless pinned to this account or an organisation."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone_core.policy.verdicts import open_grants


def judge(repo, ctx):
    policy = repo.get("policy")
    if policy is None:
        return passed("no repository policy (IAM alone grants access)")
    problems = open_grants(policy, ctx.account, cross_account=False)
    return failed("; ".join(problems)) if problems else passed("repository policy has no public principal")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
