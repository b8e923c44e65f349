"""Route 53 Resolver: DNS Firewall rule group associations with their rules and the names of the
domain lists those rules use, the VPCs' DNS Firewall configurations, Resolver query logging, and
the Route 53 Profiles associated with VPCs (a profile brings rule groups of its own).

Collected as facts of the region; the checks judge them per VPC of the `vpc` inventory. Only the
rule groups some VPC is associated with, and only the domain lists their rules use, are read.
"""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt
from regzone.evidence.model import ApiError, Inventory

SERVICE = "route53resolver"


def _rules(c: CollectContext, region: str, group_id: str) -> tuple[str, list[dict] | ApiError]:
    return group_id, attempt(lambda: c.aws.paginate(SERVICE, region, "list_firewall_rules", "FirewallRules",
                                                    FirewallRuleGroupId=group_id))


def _domains(c: CollectContext, region: str, list_id: str) -> tuple[str, list[str] | ApiError]:
    return list_id, attempt(lambda: c.aws.paginate(SERVICE, region, "list_firewall_domains", "Domains",
                                                   FirewallDomainListId=list_id))


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("dns", region)
    facts = inventory.facts

    def listed(operation: str, key: str) -> list | ApiError:
        return attempt(lambda: c.aws.paginate(SERVICE, region, operation, key))

    facts["firewall_configs"] = listed("list_firewall_configs", "FirewallConfigs")
    facts["query_log_associations"] = listed("list_resolver_query_log_config_associations",
                                             "ResolverQueryLogConfigAssociations")
    facts["query_log_configs"] = listed("list_resolver_query_log_configs", "ResolverQueryLogConfigs")
    facts["profile_associations"] = attempt(lambda: c.aws.paginate("route53profiles", region,
                                                                   "list_profile_associations", "ProfileAssociations"))
    associations = facts["firewall_associations"] = listed("list_firewall_rule_group_associations",
                                                           "FirewallRuleGroupAssociations")
    if isinstance(associations, ApiError):
        facts["firewall_rules"] = facts["firewall_domains"] = associations
        return inventory
    group_ids = sorted({a["FirewallRuleGroupId"] for a in associations})
    facts["firewall_rules"] = dict(c.each(lambda g: _rules(c, region, g), group_ids))
    list_ids = sorted({r["FirewallDomainListId"] for rules in facts["firewall_rules"].values()
                       if not isinstance(rules, ApiError) for r in rules if r.get("FirewallDomainListId")})
    facts["firewall_domains"] = dict(c.each(lambda d: _domains(c, region, d), list_ids))
    return inventory
