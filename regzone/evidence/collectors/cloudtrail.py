"""CloudTrail: trails homed in the region (with status and event selectors), and every trail that
covers the region (multi-region trails homed elsewhere show up as shadow trails), with the trails
among them that record management events."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource, answer
from regzone.evidence.trail_events import records_management_events


def _trail(c: CollectContext, region: str, trail: dict) -> Resource:
    arn = trail["TrailARN"]
    data = dict(trail)
    data["status"] = attempt(lambda: c.aws.call("cloudtrail", region, "get_trail_status", Name=arn))
    data["selectors"] = attempt(lambda: _selectors(c, trail))
    if c.want_tags:
        data["tags"] = attempt(lambda: tag_dict(next(
            (t.get("TagsList") for t in c.aws.call("cloudtrail", region, "list_tags", ResourceIdList=[arn])
             .get("ResourceTagList", []) if t.get("ResourceId") == arn), [])))
    return Resource(arn, region, data)


def _selectors(c: CollectContext, trail: dict) -> dict:
    """The trail's event selectors, asked in its home region by ARN (a shadow trail's selectors are
    its home trail's)."""
    return c.aws.call("cloudtrail", trail.get("HomeRegion") or trail["TrailARN"].split(":")[3],
                      "get_event_selectors", TrailName=trail["TrailARN"])


def _management_trails(c: CollectContext, trails: list[dict]) -> list[str] | ApiError:
    """ARNs of the covering trails that record management events (ApiError if one cannot be read)."""
    recording = []
    for trail in trails:
        selectors = _selectors(c, trail)
        if records_management_events(selectors):
            recording.append(trail["TrailARN"])
    return recording


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("cloudtrail", region)
    try:
        trails = c.aws.call("cloudtrail", region, "describe_trails", includeShadowTrails=True).get("trailList", [])
    except ApiError as error:
        inventory.resources["trail"] = error
        inventory.facts["covering"] = error
        inventory.facts["management"] = error
        return inventory
    # An answer view: the checks' reads of a trail's fields are noted (model.Answer).
    inventory.facts["covering"] = answer(trails, "DescribeTrails.trailList")
    inventory.facts["management"] = attempt(lambda: _management_trails(c, trails))
    home = [t for t in trails if t.get("HomeRegion", region) == region]
    for trail in trails:   # shadows of trails homed in a region the scan does not cover: not judged
        if trail.get("HomeRegion", region) not in c.regions:
            inventory.left_out("trail", trail["HomeRegion"], trail["TrailARN"])
    inventory.resources["trail"] = c.each(lambda t: _trail(c, region, t), home)
    return inventory
