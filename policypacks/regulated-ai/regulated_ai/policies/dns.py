"""DNS policies (controls RAZ-NET-008, RAZ-NET-009): every VPC resolves only allow-listed names and
logs its queries.

Queries to the VPC resolver never pass through Network Firewall. Route 53 Resolver DNS Firewall
evaluates the rule groups associated with a VPC in association priority order, and each group's
rules in rule priority order; the first rule whose domain list matches decides, and a query that
matches no rule is let through (Route 53 developer guide, "How Route 53 Resolver DNS Firewall
works"). A rule group has no default action: "default block" is a BLOCK rule on the domain `*`,
for every query type, that no ALLOW or ALERT rule matching every name precedes. A rule limited to
one query type (`qType`) matches only that type; a DNS Firewall Advanced rule
(`dnsThreatProtection`) matches by detection, not by name.

Resources are linked through their property dependencies, as in network_stack.py.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, resource_policy, stack_policy
from regulated_ai.policies.network_stack import _refs, _vpc_of
from regulated_ai.types import (DNS_FIREWALL_ASSOCIATION, DNS_FIREWALL_CONFIG, DNS_FIREWALL_DOMAIN_LIST,
                                DNS_FIREWALL_RULE, DNS_FIREWALL_RULE_GROUP, LOG_GROUP, RESOLVER_QUERY_LOG_ASSOCIATION,
                                RESOLVER_QUERY_LOG_CONFIG, S3_BUCKETS, VPC, VPC_DHCP_OPTIONS)

EVERY_NAME = "*"
AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"


def _priority(resource: ResourceView) -> float:
    value = resource.known("priority")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValueError(f"'{resource.name}' has priority {value!r}; valid: a number")
    return value


def _domains(rule: ResourceView) -> list[str] | None:
    """The rule's domain specifications, or None when its list is not defined in this stack."""
    lists = _refs(rule, "firewallDomainListId", DNS_FIREWALL_DOMAIN_LIST)
    if not lists:
        return None
    domains = lists[0].known("domains", [])
    return [d for d in domains if isinstance(d, str)] if isinstance(domains, list) else []


def _opens_a_public_suffix(domain: str) -> bool:
    """`*` or `*.<label>` (a whole top-level domain): any name an outsider can delegate."""
    return domain == EVERY_NAME or (domain.startswith("*.") and "." not in domain[2:])


def _rule_verdict(rule: ResourceView) -> str | None:
    """"block" when the rule blocks every query, a problem message when it lets every name (of some
    query type) through or cannot be judged, None when it leaves the decision to later rules."""
    action = rule.known("action")
    if rule.get("dnsThreatProtection"):
        return None
    domains = _domains(rule)
    if domains is None:
        if action == "BLOCK":
            return None
        return (f"rule '{rule.name}' ({action}) uses a domain list this stack does not define, so it cannot be "
                "shown not to allow every name; define the list in the stack")
    opening = [d for d in domains if _opens_a_public_suffix(d)]
    if not opening:
        return None
    query_type = rule.get("qType")
    if is_unknown(query_type):
        raise Unverifiable(f"{rule.name}.qType")
    if action == "BLOCK":
        if EVERY_NAME in opening and not query_type:
            return "block"
        return None
    scope = f"{query_type} queries for " if query_type else ""
    return (f"rule '{rule.name}' {action}s {scope}{', '.join(sorted(opening))}: every such name resolves, so data "
            "can leave in the names looked up")


def _vpc_default(vpc: ResourceView, associations: list[ResourceView],
                 rules_of: dict[str, list[ResourceView]]) -> str | None:
    """Why the VPC's DNS firewall does not default to block (None: it does)."""
    if not associations:
        return (f"VPC '{vpc.name}' has no DNS Firewall rule group association: its DNS queries are not "
                "filtered and can carry data out. Associate the zone's rule group (DnsFirewall does).")
    for association in sorted(associations, key=_priority):
        groups = _refs(association, "firewallRuleGroupId", DNS_FIREWALL_RULE_GROUP)
        if not groups:
            return (f"VPC '{vpc.name}': association '{association.name}' names a rule group this stack does not "
                    "define, so what it allows cannot be verified; reference the stack's rule group")
        for rule in sorted(rules_of.get(groups[0].urn, []), key=_priority):
            verdict = _rule_verdict(rule)
            if verdict == "block":
                return None
            if verdict is not None:
                return f"VPC '{vpc.name}': {verdict}. Block every other name after the allow rules."
    return (f"VPC '{vpc.name}': no rule of its DNS firewall blocks '*' for every query type, and DNS Firewall "
            "lets a query that matches no rule through (the default is allow). End the zone's rule group with a "
            "BLOCK rule on the domain list ['*'].")


@stack_policy(
    "dns-firewall-vpc-default-block",
    description="Every VPC must have a DNS Firewall rule group association that blocks every name it does not allow.",
    controls=["RAZ-NET-008"])
def dns_firewall_vpc_default_block(stack: StackView) -> Iterator[tuple[str, str]]:
    rules_of: dict[str, list[ResourceView]] = {}
    for rule in stack.of_type(DNS_FIREWALL_RULE):
        for group in _refs(rule, "firewallRuleGroupId", DNS_FIREWALL_RULE_GROUP):
            rules_of.setdefault(group.urn, []).append(rule)
    associations: dict[str, list[ResourceView]] = {}
    for association in stack.of_type(DNS_FIREWALL_ASSOCIATION):
        for vpc in _vpc_of(association):
            associations.setdefault(vpc.urn, []).append(association)
    for vpc in stack.of_type(VPC):
        problem = _vpc_default(vpc, associations.get(vpc.urn, []), rules_of)
        if problem:
            yield vpc.urn, problem


@stack_policy(
    "dns-firewall-fail-closed",
    description="Every VPC's DNS Firewall configuration must fail closed (firewallFailOpen DISABLED).",
    controls=["RAZ-NET-008"])
def dns_firewall_fail_closed(stack: StackView) -> Iterator[tuple[str, str]]:
    closed: set[str] = set()
    for config in stack.of_type(DNS_FIREWALL_CONFIG):
        mode = config.known("firewallFailOpen")
        vpcs = _refs(config, "resourceId", VPC)
        if mode == "DISABLED":
            closed.update(v.urn for v in vpcs)
        else:
            yield config.urn, (f"DNS Firewall configuration '{config.name}' sets firewallFailOpen {mode!r}: when DNS "
                               "Firewall cannot answer, the Resolver would let queries through unfiltered. Set "
                               "firewallFailOpen to DISABLED.")
    for vpc in stack.of_type(VPC):
        if vpc.urn not in closed:
            yield vpc.urn, (f"VPC '{vpc.name}' has no ResolverFirewallConfig with firewallFailOpen DISABLED in this "
                            "stack: its failure mode is whatever was set outside it. Add one (DnsFirewall does).")


@resource_policy(
    "network-dns-through-resolver",
    description="DHCP options must leave DNS to the VPC resolver (AmazonProvidedDNS), where DNS Firewall applies.",
    controls=["RAZ-NET-008"], types=[VPC_DHCP_OPTIONS])
def network_dns_through_resolver(options: ResourceView) -> Iterator[str]:
    servers = options.known("domainNameServers", [])
    servers = servers if isinstance(servers, list) else [servers]
    for index, server in enumerate(servers):
        if is_unknown(server):
            raise Unverifiable(f"domainNameServers.{index}")
    others = [str(s) for s in servers if s != AMAZON_PROVIDED_DNS]
    if others:
        yield (f"DHCP options '{options.name}' send instances to the DNS servers {', '.join(others)}: their queries "
               "bypass the VPC resolver and its DNS Firewall. Use AmazonProvidedDNS only.")


@stack_policy(
    "network-vpc-dns-query-logging",
    description="Every VPC must log its Resolver DNS queries to a log group or bucket of the stack.",
    controls=["RAZ-NET-009"])
def network_vpc_dns_query_logging(stack: StackView) -> Iterator[tuple[str, str]]:
    logged: set[str] = set()
    elsewhere: dict[str, str] = {}
    for association in stack.of_type(RESOLVER_QUERY_LOG_ASSOCIATION):
        configs = _refs(association, "resolverQueryLogConfigId", RESOLVER_QUERY_LOG_CONFIG)
        kept = [c for c in configs if _refs(c, "destinationArn", LOG_GROUP, *S3_BUCKETS)]
        for vpc in _refs(association, "resourceId", VPC):
            if kept:
                logged.add(vpc.urn)
            else:
                elsewhere[vpc.urn] = association.name
    for vpc in stack.of_type(VPC):
        if vpc.urn in logged:
            continue
        if vpc.urn in elsewhere:
            yield vpc.urn, (f"VPC '{vpc.name}' logs its DNS queries through '{elsewhere[vpc.urn]}' to a destination "
                            "this stack does not create, so its encryption and retention cannot be verified; log "
                            "to the zone's audit log group.")
        else:
            yield vpc.urn, (f"VPC '{vpc.name}' has no Resolver query logging: the names its workloads look up leave "
                            "no record. Associate a ResolverQueryLogConfig (DnsFirewall does).")
