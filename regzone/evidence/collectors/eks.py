"""EKS: every cluster's description (endpoint access, encryption, logging and tags come with it)."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext
from regzone.evidence.model import ApiError, Inventory, Resource


def _cluster(c: CollectContext, region: str, name: str) -> Resource:
    try:
        cluster = c.aws.call("eks", region, "describe_cluster", name=name)["cluster"]
    except ApiError as error:
        arn = f"arn:{c.partition}:eks:{region}:{c.account}:cluster/{name}"
        return Resource(arn, region, {"cluster": error, "tags": error})
    return Resource(cluster["arn"], region, {"cluster": cluster, "tags": cluster.get("tags") or {}})


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("eks", region)
    try:
        names = c.aws.paginate("eks", region, "list_clusters", "clusters")
    except ApiError as error:
        inventory.resources["cluster"] = error
        return inventory
    inventory.resources["cluster"] = c.each(lambda name: _cluster(c, region, name), names)
    return inventory
