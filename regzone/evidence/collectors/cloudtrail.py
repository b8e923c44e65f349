"""CloudTrail: trails homed in the region (with status), and every trail that covers the region
(multi-region trails homed elsewhere show up as shadow trails)."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource


def _trail(c: CollectContext, region: str, trail: dict) -> Resource:
    arn = trail["TrailARN"]
    data = dict(trail)
    data["status"] = attempt(lambda: c.aws.call("cloudtrail", region, "get_trail_status", Name=arn))
    if c.want_tags:
        data["tags"] = attempt(lambda: tag_dict(next(
            (t.get("TagsList") for t in c.aws.call("cloudtrail", region, "list_tags", ResourceIdList=[arn])
             .get("ResourceTagList", []) if t.get("ResourceId") == arn), [])))
    return Resource(arn, region, data)


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("cloudtrail", region)
    try:
        trails = c.aws.call("cloudtrail", region, "describe_trails", includeShadowTrails=True).get("trailList", [])
    except ApiError as error:
        inventory.resources["trail"] = error
        inventory.facts["covering"] = error
        return inventory
    inventory.facts["covering"] = trails
    home = [t for t in trails if t.get("HomeRegion", region) == region]
    for trail in trails:   # shadows of trails homed in a region the scan does not cover: not judged
        if trail.get("HomeRegion", region) not in c.regions:
            inventory.left_out("trail", trail["HomeRegion"], trail["TrailARN"])
    inventory.resources["trail"] = c.each(lambda t: _trail(c, region, t), home)
    return inventory
