"""Every trail that records management events and is homed in a scanned region is multi-region, and
every scanned region is covered by a trail that records management events. A zone's data-event
trail is single-region by design (components/audit_trail.py) and is not judged here."""
from regzone.evidence.checks import failed, not_judged, passed, per_resource
from regzone.evidence.model import ApiError, Result, Status
from regzone.evidence.trail_events import records_management_events


def judge(trail, ctx):
    if not records_management_events(trail.get("selectors")):
        return not_judged("records data events only; the account's management trail covers the regions")
    return passed("multi-region trail") if trail.get("IsMultiRegionTrail") else failed(
        "single-region trail recording management events")


def execute(ctx):
    yield from per_resource(ctx, "cloudtrail", "trail", judge)
    for inventory in ctx.inventories("cloudtrail"):
        scope = ctx.scope_id("cloudtrail", inventory.region)
        try:
            inventory.fact("covering")
        except ApiError:
            continue   # per_resource already reported it
        try:
            management = inventory.fact("management")
        except ApiError as error:
            yield Result(scope, inventory.region, Status.ERROR, str(error))
            continue
        if not management:
            yield Result(scope, inventory.region, Status.FAIL,
                         f"no CloudTrail trail records management events in {inventory.region}")
