"""AWS Network Firewall: every firewall with its firewall policy and the stateful rule groups that
policy references (default actions, rule order, rule sources, encryption)."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource

SERVICE = "network-firewall"


def _rule_groups(c: CollectContext, region: str, policy: dict) -> dict[str, dict | ApiError]:
    arns = [r["ResourceArn"] for r in (policy.get("FirewallPolicy") or {}).get("StatefulRuleGroupReferences") or []]
    return {arn: attempt(lambda arn=arn: c.aws.call(SERVICE, region, "describe_rule_group", RuleGroupArn=arn))
            for arn in arns}


def _firewall(c: CollectContext, region: str, arn: str) -> Resource:
    try:
        firewall = c.aws.call(SERVICE, region, "describe_firewall", FirewallArn=arn)["Firewall"]
    except ApiError as error:
        return Resource(arn, region, {"firewall": error, "tags": error, "policy": error, "rule_groups": error})
    policy = attempt(lambda: c.aws.call(SERVICE, region, "describe_firewall_policy",
                                        FirewallPolicyArn=firewall["FirewallPolicyArn"]))
    groups = policy if isinstance(policy, ApiError) else _rule_groups(c, region, policy)
    return Resource(arn, region, {"firewall": firewall, "tags": tag_dict(firewall.get("Tags")), "policy": policy,
                                  "rule_groups": groups})


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("network_firewall", region)
    try:
        listed = c.aws.paginate(SERVICE, region, "list_firewalls", "Firewalls")
    except ApiError as error:
        inventory.resources["firewall"] = error
        return inventory
    inventory.resources["firewall"] = c.each(lambda f: _firewall(c, region, f["FirewallArn"]), listed)
    return inventory
