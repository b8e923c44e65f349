"""Every trail homed in a scanned region is multi-region, and every scanned region is covered by a trail."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError, Result, Status


def judge(trail, ctx):
    return passed("multi-region trail") if trail.get("IsMultiRegionTrail") else failed("single-region trail")


def execute(ctx):
    yield from per_resource(ctx, "cloudtrail", "trail", judge)
    for inventory in ctx.inventories("cloudtrail"):
        try:
            covering = inventory.fact("covering")
        except ApiError:
            continue   # per_resource already reported it
        if not covering:
            yield Result(ctx.scope_id("cloudtrail", inventory.region), inventory.region, Status.FAIL,
                         f"no CloudTrail trail records API activity in {inventory.region}")
