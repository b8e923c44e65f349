"""DNS policies (controls RAZ-NET-008, RAZ-NET-009): every VPC resolves only allow-listed names and
logs its queries.

Queries to the VPC resolver never pass through Network Firewall. What a VPC's DNS Firewall lets
through is judged by regzone_core.dns_firewall, which the evidence check shares: the first rule
matching every name, across the VPC's associated groups, must be a BLOCK for every query type.
Resources are linked through their property dependencies, as in network_stack.py.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, unverifiable, resource_policy, stack_policy
from regulated_ai.policies.network_stack import _refs, _vpc_of
from regulated_ai.types import (DNS_FIREWALL_ASSOCIATION, DNS_FIREWALL_CONFIG, DNS_FIREWALL_DOMAIN_LIST,
                                DNS_FIREWALL_RULE, DNS_FIREWALL_RULE_GROUP, LOG_GROUP, RESOLVER_QUERY_LOG_ASSOCIATION,
                                RESOLVER_QUERY_LOG_CONFIG, ROUTE53_PROFILE_ASSOCIATION, S3_BUCKETS, VPC,
                                VPC_DHCP_OPTIONS, VPC_DHCP_OPTIONS_ASSOCIATION)
from regzone_core.dns_firewall import DnsRule, default_problem

AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"


def _priority(resource: ResourceView) -> float:
    """The priority as the provider reads it ("100" is 100; values.as_number)."""
    value = resource.number("priority")
    if value is None:
        raise ValueError(f"'{resource.name}' has no priority; valid: a number")
    return value


def _dns_rule(rule: ResourceView) -> DnsRule:
    """The rule as regzone_core judges it; a domain list outside the stack cannot be read."""
    lists = _refs(rule, "firewallDomainListId", DNS_FIREWALL_DOMAIN_LIST)
    domains = None
    if lists:
        listed = lists[0].known("domains", [])
        domains = tuple(d for d in listed if isinstance(d, str)) if isinstance(listed, list) else ()
    query_type = rule.get("qType")
    if is_unknown(query_type):
        raise unverifiable(query_type, f"{rule.name}.qType")
    return DnsRule(name=rule.name, priority=_priority(rule), action=str(rule.known("action")), domains=domains,
                   query_type=query_type or None, threat_protection=bool(rule.get("dnsThreatProtection")))


def _vpc_default(vpc: ResourceView, associations: list[ResourceView],
                 rules_of: dict[str, list[ResourceView]]) -> str | None:
    """Why the VPC's DNS firewall does not default to block (None: it does)."""
    if not associations:
        return (f"VPC '{vpc.name}' has no DNS Firewall rule group association: its DNS queries are not "
                "filtered and can carry data out. Associate the zone's rule group (DnsFirewall does).")
    groups = []
    for association in sorted(associations, key=_priority):
        group = _refs(association, "firewallRuleGroupId", DNS_FIREWALL_RULE_GROUP)
        if not group:
            return (f"VPC '{vpc.name}': association '{association.name}' names a rule group this stack does not "
                    "define, so what it allows cannot be verified; reference the stack's rule group")
        groups.append([_dns_rule(r) for r in rules_of.get(group[0].urn, [])])
    problem = default_problem(groups)
    return None if problem is None else (f"VPC '{vpc.name}': {problem}. End the zone's rule group with a BLOCK "
                                         "rule on the domain list ['*'], after the allow rules.")


@stack_policy(
    "dns-firewall-vpc-default-block",
    description="Every VPC must have a DNS Firewall rule group association that blocks every name it does not allow.",
    controls=["RAZ-NET-008"],
    types=(VPC, DNS_FIREWALL_ASSOCIATION, DNS_FIREWALL_RULE_GROUP, DNS_FIREWALL_RULE, DNS_FIREWALL_DOMAIN_LIST,
           ROUTE53_PROFILE_ASSOCIATION))
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
    # A Route 53 Profile adds its DNS Firewall rule groups to the VPC's own, by their priorities: a
    # sibling path to an ALLOW of every name that the rules above do not show.
    for profile in stack.of_type(ROUTE53_PROFILE_ASSOCIATION):
        for vpc in _refs(profile, "resourceId", VPC):
            yield profile.urn, (f"Route 53 Profile association '{profile.name}' adds the profile's DNS Firewall rule "
                                f"groups to VPC '{vpc.name}', where they cannot be judged with the zone's; associate "
                                "rule groups with the VPC directly.")


@stack_policy(
    "dns-firewall-fail-closed",
    description="Every VPC's DNS Firewall configuration must fail closed (firewallFailOpen DISABLED).",
    controls=["RAZ-NET-008"], types=(DNS_FIREWALL_CONFIG, VPC))
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
            raise unverifiable(server, f"domainNameServers.{index}")
    others = [str(s) for s in servers if s != AMAZON_PROVIDED_DNS]
    if others:
        yield (f"DHCP options '{options.name}' send instances to the DNS servers {', '.join(others)}: their queries "
               "bypass the VPC resolver and its DNS Firewall. Use AmazonProvidedDNS only.")


# AssociateDhcpOptions takes the id of an options set, or `default` for none (Amazon EC2 API reference,
# AssociateDhcpOptions: "The ID of the DHCP options set, or default to associate no DHCP options").
NO_DHCP_OPTIONS = "default"


@stack_policy(
    "network-dhcp-options-from-stack",
    description="A VPC may be associated only with DHCP options this stack defines (which network-dns-through-resolver "
                "judges), or with none.",
    controls=["RAZ-NET-008"], types=(VPC_DHCP_OPTIONS_ASSOCIATION, VPC_DHCP_OPTIONS))
def network_dhcp_options_from_stack(stack: StackView) -> Iterator[tuple[str, str]]:
    for association in stack.of_type(VPC_DHCP_OPTIONS_ASSOCIATION):
        if _refs(association, "dhcpOptionsId", VPC_DHCP_OPTIONS):
            continue
        options = association.get("dhcpOptionsId")
        if is_unknown(options):
            raise unverifiable(options, f"{association.name}.dhcpOptionsId")
        if options != NO_DHCP_OPTIONS:
            yield association.urn, (f"DHCP options association '{association.name}' gives a VPC the options {options!r}, "
                                    "which this stack does not define, so the DNS servers they hand out cannot be "
                                    "verified: define the options in the stack with AmazonProvidedDNS only.")


@stack_policy(
    "network-vpc-dns-query-logging",
    description="Every VPC must log its Resolver DNS queries to a log group or bucket of the stack.",
    controls=["RAZ-NET-009"], types=(RESOLVER_QUERY_LOG_CONFIG, RESOLVER_QUERY_LOG_ASSOCIATION, VPC))
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
