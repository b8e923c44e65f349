"""Every scanned Region is recorded by the account's management-event trail: an organization
trail, or the account baseline's multi-Region trail (regzone-account-audit)."""
from regzone.evidence.model import ApiError, Result, Status
from regzone_core.policy.guardrails import load_guardrails


def _judge(inventory) -> tuple[Status, str]:
    covering = inventory.fact("covering")
    account_trail = load_guardrails().account_trail
    found = [t for t in covering if t.get("IsMultiRegionTrail") and t.get("IncludeGlobalServiceEvents", True)
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
            status, message = _judge(inventory)
        except ApiError as error:
            status, message = Status.ERROR, str(error)
        yield Result(ctx.scope_id("cloudtrail", inventory.region), inventory.region, status, message)
