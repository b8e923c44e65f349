"""DNS egress that cannot bypass the allow-list (control RAZ-NET-008), and DNS query logs (RAZ-NET-009).

Queries to the VPC resolver never pass through Network Firewall, so without this any workload,
in every zone including the air-gapped ones, could carry data out in the names it looks up.
Route 53 Resolver DNS Firewall filters every query a VPC sends to the Resolver. A rule group has
no default action: DNS Firewall evaluates rules from the lowest priority up and lets a query that
matches none through (Route 53 developer guide, "How Route 53 Resolver DNS Firewall works"). The
zone's group therefore allows its names first and ends in a rule that blocks `*`, every name (the
guide's "walled garden" example). The VPC's firewall configuration fails closed: a query that DNS
Firewall cannot evaluate is refused with SERVFAIL ("DNS Firewall VPC configuration").

Resolver query logs of the VPC go to a log group encrypted with the zone's audit key and kept for
the audit retention, like the flow logs.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.log_groups import zone_log_group
from regzone_core.dns_firewall import EVERY_NAME, opens_a_public_suffix

# Rule priorities: the allow rules, then the block-all rule last (unique per rule group).
AWS_NAMES_PRIORITY = 100
ALLOW_LIST_PRIORITY = 200
BLOCK_ALL_PRIORITY = 10000
# Association priority: 100..9900 (AssociateFirewallRuleGroup); lowest is evaluated first.
ASSOCIATION_PRIORITY = 101
# A rule's domain list is sent in requests of at most 1000 domains (UpdateFirewallDomains).
MAX_DOMAINS_PER_LIST = 1000
# An allowed name's CNAME/DNAME chain (a CDN behind an allowed API) is decided by that name's
# owner, not by the workload: trusting it adds no channel for the workload's data. With the
# default INSPECT_REDIRECTION_DOMAIN every name of the chain would hit the block-all rule.
TRUST_REDIRECTION = "TRUST_REDIRECTION_DOMAIN"
# A blocked name does not exist: clients fail at once and resolver search lists move on.
BLOCK_RESPONSE = "NXDOMAIN"


@dataclass
class DnsFirewallArgs:
    zone_name: str
    vpc_id: pulumi.Input[str]
    # The AWS names the zone relies on (components/dns_names.aws_names).
    aws_names: Sequence[str]
    # The egress allow-list as DNS Firewall names (components/dns_names.allow_list_names); empty
    # for an air-gapped zone, which then resolves AWS names only.
    allowed_names: Sequence[str]
    log_kms_key_arn: pulumi.Input[str]
    log_retention_days: int


class DnsFirewall(pulumi.ComponentResource):
    """Domain lists, the rule group and its VPC association, fail-closed configuration and query logging."""

    rule_group: aws.route53.ResolverFirewallRuleGroup
    query_log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: DnsFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        lists = {"aws-services": (list(args.aws_names), AWS_NAMES_PRIORITY),
                 "allow-list": (list(args.allowed_names), ALLOW_LIST_PRIORITY)}
        if not args.aws_names:
            raise ValueError(f"DnsFirewall {name}: no AWS names; the zone could not reach its own endpoints")
        for purpose, (domains, _) in lists.items():
            opening = sorted(d for d in domains if opens_a_public_suffix(d))
            if opening:
                raise ValueError(f"DnsFirewall {name}: the {purpose} names include {', '.join(opening)}, which would "
                                 "allow every name (under a top-level domain); valid: names with a registered domain")
            if len(domains) > MAX_DOMAINS_PER_LIST:
                raise ValueError(f"DnsFirewall {name}: {len(domains)} {purpose} names exceed the "
                                 f"{MAX_DOMAINS_PER_LIST} a domain list update accepts")
        super().__init__("regzone:network:DnsFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.rule_group = aws.route53.ResolverFirewallRuleGroup(
            f"{name}-rules", name=f"{args.zone_name}-dns-egress", tags={"Name": f"{args.zone_name}-dns-egress"},
            opts=child)
        rules = []
        for purpose, (domains, priority) in lists.items():
            if not domains:
                continue
            domain_list = aws.route53.ResolverFirewallDomainList(
                f"{name}-{purpose}", name=f"{args.zone_name}-{purpose}", domains=sorted(domains), opts=child)
            rules.append(aws.route53.ResolverFirewallRule(
                f"{name}-allow-{purpose}", name=f"allow-{purpose}", firewall_rule_group_id=self.rule_group.id,
                firewall_domain_list_id=domain_list.id, priority=priority, action="ALLOW",
                firewall_domain_redirection_action=TRUST_REDIRECTION, opts=child))
        every_name = aws.route53.ResolverFirewallDomainList(
            f"{name}-every-name", name=f"{args.zone_name}-every-name", domains=[EVERY_NAME], opts=child)
        rules.append(aws.route53.ResolverFirewallRule(
            f"{name}-block-rest", name="block-every-other-name", firewall_rule_group_id=self.rule_group.id,
            firewall_domain_list_id=every_name.id, priority=BLOCK_ALL_PRIORITY, action="BLOCK",
            block_response=BLOCK_RESPONSE, opts=child))

        # Associated once every rule exists: an empty group would let every query through. Mutation
        # protection refuses changing or removing the association (AssociateFirewallRuleGroup): to
        # replace it, set mutation_protection to DISABLED in one `pulumi up` first.
        aws.route53.ResolverFirewallRuleGroupAssociation(
            f"{name}-association", name=f"{args.zone_name}-dns-egress", vpc_id=args.vpc_id,
            firewall_rule_group_id=self.rule_group.id, priority=ASSOCIATION_PRIORITY, mutation_protection="ENABLED",
            opts=pulumi.ResourceOptions(parent=self, depends_on=rules))
        aws.route53.ResolverFirewallConfig(f"{name}-fail-closed", resource_id=args.vpc_id,
                                           firewall_fail_open="DISABLED", opts=child)

        self.query_log_group = zone_log_group(
            f"{name}-query-logs", log_group_name=f"/regzone/{args.zone_name}/dns-queries",
            kms_key_arn=args.log_kms_key_arn, retention_days=args.log_retention_days, tier="audit", parent=self)
        query_logging = aws.route53.ResolverQueryLogConfig(
            f"{name}-query-logging", name=f"{args.zone_name}-dns-queries",
            destination_arn=self.query_log_group.arn, opts=child)
        aws.route53.ResolverQueryLogConfigAssociation(
            f"{name}-query-logging-vpc", resolver_query_log_config_id=query_logging.id, resource_id=args.vpc_id,
            opts=child)

        self.register_outputs({"rule_group_id": self.rule_group.id,
                               "query_log_group_arn": self.query_log_group.arn})
