"""CloudWatch Logs: every log group (KMS key and retention come with the list)."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt
from regzone.evidence.model import ApiError, Inventory, Resource


def _group(c: CollectContext, region: str, group: dict) -> Resource:
    arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
    data = dict(group)
    if c.want_tags:
        data["tags"] = attempt(lambda: c.aws.call("logs", region, "list_tags_for_resource",
                                                  resourceArn=arn).get("tags", {}))
    return Resource(arn, region, data)


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("logs", region)
    try:
        groups = c.aws.paginate("logs", region, "describe_log_groups", "logGroups")
    except ApiError as error:
        inventory.resources["log_group"] = error
        return inventory
    if c.want_tags:
        inventory.resources["log_group"] = c.each(lambda g: _group(c, region, g), groups)
    else:
        inventory.resources["log_group"] = [_group(c, region, g) for g in groups]
        c.collected(len(groups))
    return inventory
