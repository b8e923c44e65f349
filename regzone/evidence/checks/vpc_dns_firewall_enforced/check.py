"""The VPC's live DNS Firewall blocks every name it does not allow, and fails closed.

Associations in force (status COMPLETE) are read in priority order with their rules and the names
of the domain lists the rules use; regzone_core.dns_firewall decides, as the preview policy does.
A VPC without a firewall configuration of its own fails closed: that is DNS Firewall's default
(Route 53 developer guide, "DNS Firewall VPC configuration")."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError
from regzone_core.dns_firewall import DnsRule, default_problem


def _domains(facts_domains, list_id):
    if not list_id:
        return None
    if isinstance(facts_domains, ApiError):
        raise facts_domains
    value = facts_domains.get(list_id)
    if isinstance(value, ApiError):
        raise value
    return None if value is None else tuple(value)


def _rule(raw, domains):
    return DnsRule(name=raw.get("Name") or raw.get("FirewallDomainListId") or "?", priority=raw.get("Priority", 0),
                   action=raw.get("Action", "?"), domains=_domains(domains, raw.get("FirewallDomainListId")),
                   query_type=raw.get("Qtype") or None,
                   threat_protection=bool(raw.get("FirewallThreatProtectionId") or raw.get("DnsThreatProtection")))


def judge(vpc, ctx):
    dns = ctx.inventory("dns", vpc.region)
    vpc_id = vpc.get("VpcId")
    associations = sorted((a for a in dns.fact("firewall_associations") if a.get("VpcId") == vpc_id),
                          key=lambda a: a.get("Priority", 0))
    in_force = [a for a in associations if a.get("Status") == "COMPLETE"]
    if not in_force:
        states = ", ".join(f"{a.get('Name')} ({a.get('Status')})" for a in associations)
        return failed("no DNS Firewall rule group association in force" + (f": {states}" if states else ""))
    rules_by_group = dns.fact("firewall_rules")
    groups = []
    for association in in_force:
        rules = rules_by_group.get(association["FirewallRuleGroupId"])
        if isinstance(rules, ApiError) or rules is None:
            raise rules or ApiError("route53resolver:ListFirewallRules", "route53resolver:ListFirewallRules",
                                    f"rules of {association['FirewallRuleGroupId']} were not collected")
        groups.append([_rule(r, dns.fact("firewall_domains")) for r in rules])
    problem = default_problem(groups)
    if problem:
        return failed(problem)
    profiles = [p.get("ProfileId") for p in dns.fact("profile_associations") if p.get("ResourceId") == vpc_id]
    if profiles:
        return failed(f"Route 53 Profile {', '.join(profiles)} is associated: the DNS Firewall rule groups it brings "
                      "are evaluated with the VPC's own and are not judged here")
    configs = [c for c in dns.fact("firewall_configs") if c.get("ResourceId") == vpc_id]
    fail_open = [c.get("FirewallFailOpen") for c in configs if c.get("FirewallFailOpen") != "DISABLED"]
    if fail_open:
        return failed(f"the DNS Firewall configuration sets FirewallFailOpen {fail_open[0]}: queries DNS Firewall "
                      "cannot evaluate go through unfiltered")
    closed = "FirewallFailOpen DISABLED" if configs else "no configuration of its own (fails closed by default)"
    names = ", ".join(f"{a.get('FirewallRuleGroupId')} (priority {a.get('Priority')})" for a in in_force)
    return passed(f"rule groups {names} block every name not allowed; {closed}")


def execute(ctx):
    return per_resource(ctx, "vpc", "vpc", judge)
