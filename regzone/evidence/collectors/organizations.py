"""AWS Organizations: the organization's management account, and the service control policies above
the scanned account, level by level from the root down to the account (DescribeOrganization,
ListParents, ListPoliciesForTarget, DescribePolicy). Only the management account or a delegated
administrator may list policies; anywhere else each call is AccessDenied, which the check reports as
ERROR: the SCPs exist but the caller cannot show them."""
from __future__ import annotations

from regzone.evidence.collectors import GLOBAL, CollectContext
from regzone.evidence.model import ApiError, Inventory, Resource

# AWS Organizations is served from us-east-1 in the aws partition (AWS General Reference, "AWS
# Organizations endpoints and quotas").
_HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-northwest-1"}
_MAX_DEPTH = 6   # root, at most five levels of OUs (AWS Organizations quotas), the account


def _levels(c: CollectContext, region: str) -> list[str]:
    """Target ids from the account up to the root."""
    targets, child = [c.account], c.account
    while len(targets) <= _MAX_DEPTH:
        parents = c.aws.call("organizations", region, "list_parents", ChildId=child).get("Parents", [])
        if not parents:
            break
        child = parents[0]["Id"]
        targets.append(child)
        if parents[0].get("Type") == "ROOT":
            break
    return targets


def _scps(c: CollectContext, region: str, target: str) -> list[dict]:
    policies = c.aws.paginate("organizations", region, "list_policies_for_target", "Policies", TargetId=target,
                              Filter="SERVICE_CONTROL_POLICY")
    return [c.aws.call("organizations", region, "describe_policy", PolicyId=p["Id"])["Policy"] for p in policies]


def collect(c: CollectContext, region: str = GLOBAL) -> Inventory:
    inventory = Inventory("organizations", GLOBAL)
    home = _HOME.get(c.partition, "us-east-1")
    try:
        management = c.aws.call("organizations", home, "describe_organization")["Organization"]["MasterAccountId"]
        levels = [{"target": target, "policies": _scps(c, home, target)} for target in reversed(_levels(c, home))]
    except ApiError as error:
        inventory.resources["account"] = error
        return inventory
    inventory.resources["account"] = [Resource(c.account, GLOBAL, {"levels": levels, "management_account": management})]
    return inventory
