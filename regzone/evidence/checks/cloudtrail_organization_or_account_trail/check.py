"""Every scanned Region is recorded by the account's management-event trail: an organization
trail, or the account baseline's multi-Region trail (regzone-account-audit)."""
from regzone.evidence.model import ApiError, Result, Status, missing_fields
from regzone_core.policy.guardrails import load_guardrails


def _judge(inventory) -> tuple[Status, str]:
    # The trails DescribeTrails returns (shadow trails included), an answer view: a field the judgement
    # reads and the answer lacks is noted, and the verdict cannot be PASS (execute).
    covering = inventory.fact("covering")
    account_trail = load_guardrails().account_trail
    found = [t for t in covering if t.get("IsMultiRegionTrail") and t.get("IncludeGlobalServiceEvents")
             and (t.get("IsOrganizationTrail") or t.get("Name") == account_trail)]
    if found:
        return Status.PASS, ", ".join(
            f"{t['TrailARN']} ({'organization' if t.get('IsOrganizationTrail') else 'account baseline'} trail)"
            for t in found)
    return Status.FAIL, ("no organization trail and no account baseline trail (" + account_trail + ") records "
                         "every Region and global service events; zone trails record only their data events")


def execute(ctx):
    for inventory in ctx.inventories("cloudtrail"):
        try:
            with missing_fields() as missing:
                status, message = _judge(inventory)
            if missing and status is Status.PASS:
                status, message = Status.ERROR, (f"the API answer lacks {', '.join(dict.fromkeys(missing))}, which "
                                                 "this check reads: it cannot pass on what AWS did not say")
        except ApiError as error:
            status, message = Status.ERROR, str(error)
        yield Result(ctx.scope_id("cloudtrail", inventory.region), inventory.region, status, message)
