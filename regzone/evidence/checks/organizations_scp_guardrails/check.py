"""The service control policies above the account, from the root down, deny what the guardrails
require (regzone_core.policy.guardrails): regional actions outside the scanned Regions, the
protected actions to all but the one principal the protections exempt, instances without IMDSv2,
and leaving the organization."""
from regzone.catalog import region_az_counts
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import Status
from regzone_core.policy.guardrails import exemption_problems, guardrail_gaps, region_deny_gaps
from regzone_core.policy.scp import parse_scp

_PRINCIPAL_ARN = "aws:principalarn"
_SHOWN = 5


def exempted_principals(documents: list[str]) -> set[str]:
    """The principal ARNs the SCPs' Deny statements leave out through aws:PrincipalArn conditions."""
    named = set()
    for document in documents:
        for statement in parse_scp(document).statements:
            if statement.effect == "Deny":
                named.update(v for c in statement.conditions if c.key == _PRINCIPAL_ARN for v in c.values)
    return named


def judge(account, ctx):
    if account.get("management_account") == ctx.account:
        # AWS Organizations User Guide, "Service control policies": SCPs never restrict the management account.
        return (Status.ERROR, "this is the organization's management account, which no SCP restricts: scan a "
                "regulated member account, with credentials of a delegated administrator for AWS Organizations")
    documents = [p["Content"] for level in account.get("levels") for p in level["policies"]]
    exempt = sorted(exempted_principals(documents))
    problems = [p for d in documents for p in exemption_problems(d)]
    if len(exempt) > 1:
        problems.append(f"the SCPs exempt several principals ({', '.join(exempt)}); only one break-glass role may be")
    problems += region_deny_gaps(documents, ctx.regions, region_az_counts())
    problems += guardrail_gaps(documents, partition=ctx.partition, break_glass=exempt[:1])
    if problems:
        shown = "; ".join(problems[:_SHOWN]) + (f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else "")
        return failed(shown)
    path = " > ".join(level["target"] for level in account.get("levels"))
    who = f"all but {exempt[0]}" if exempt else "every principal"
    return passed(f"the SCPs on {path} deny other Regions, the protected actions to {who}, IMDSv1 and leaving "
                  "the organization")


def execute(ctx):
    # The account, not a zone's resource: a PolicyError (an SCP that cannot be read) is an ERROR.
    return per_resource(ctx, "organizations", "account", judge, scoped=False)
