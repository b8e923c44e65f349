"""DNS policies through the real pack: the zone's DNS firewall (allow rules, then block every name,
fail closed) and its query logging pass; each way DNS could leave unfiltered or unlogged fires.
Resources are linked by property dependencies, as the engine links them."""
import pytest

from analyzer_helpers import resource, stack_violations, violations
from test_network_stack import res, urn

VPC = ("aws:ec2/vpc:Vpc", "vpc")
GROUP = ("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "dns-rules")
LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"
ASSOCIATION = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig"
LOG_GROUP = ("aws:cloudwatch/logGroup:LogGroup", "dns-queries")
QUERY_LOG = ("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig", "query-logging")
QUERY_LOG_VPC = "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
POLICIES = ["dns-firewall-vpc-default-block", "dns-firewall-fail-closed", "network-vpc-dns-query-logging",
            "network-dhcp-options-from-stack"]
UNKNOWN = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"


def domain_list(name, domains):
    return res(LIST, name, {"domains": domains})


def rule(name, priority, action, domain_list_name, group=GROUP, **extra):
    return res(RULE, name, {"priority": priority, "action": action, "firewallRuleGroupId": "g",
                            "firewallDomainListId": "l", **extra},
               firewallRuleGroupId=group, firewallDomainListId=(LIST, domain_list_name))


def association(name="association", group=GROUP, priority=101):
    return res(ASSOCIATION, name, {"priority": priority, "mutationProtection": "ENABLED", "vpcId": "v",
                                   "firewallRuleGroupId": "g"}, vpcId=VPC, firewallRuleGroupId=group)


def zone(**replace):
    """The DnsFirewall topology; `replace` swaps resources by name (None drops one), extra names add."""
    resources = [
        res(*VPC, {"cidrBlock": "10.40.0.0/16"}),
        res(*GROUP, {"name": "dev-ai-dns-egress"}),
        domain_list("aws-names", ["kms.eu-west-1.amazonaws.com", "*.dkr.ecr.eu-west-1.amazonaws.com"]),
        domain_list("allowed-names", ["api.example.com", "*.api.example.com"]),
        domain_list("every-name", ["*"]),
        rule("allow-aws", 100, "ALLOW", "aws-names", firewallDomainRedirectionAction="TRUST_REDIRECTION_DOMAIN"),
        rule("allow-list", 200, "ALLOW", "allowed-names"),
        rule("block-rest", 10000, "BLOCK", "every-name", blockResponse="NXDOMAIN"),
        association(),
        res(CONFIG, "fail-closed", {"firewallFailOpen": "DISABLED", "resourceId": "v"}, resourceId=VPC),
        res(*LOG_GROUP, {"kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k", "retentionInDays": 400}),
        res(*QUERY_LOG, {"destinationArn": "arn"}, destinationArn=LOG_GROUP),
        res(QUERY_LOG_VPC, "query-logging-vpc", {"resolverQueryLogConfigId": "q", "resourceId": "v"},
            resolverQueryLogConfigId=QUERY_LOG, resourceId=VPC),
    ]
    by_name = {r.name: r for r in resources}
    for name, replacement in replace.items():
        by_name[name] = replacement
    return [r for r in by_name.values() if r is not None]


@pytest.mark.parametrize("policy", POLICIES)
def test_zone_dns_firewall_passes(pack, policy):
    assert stack_violations(pack, policy, zone()) == []


def fires(pack, policy, resources, fragment):
    found = stack_violations(pack, policy, resources)
    assert found and any(fragment in d.message for d in found), [d.message for d in found] or "no violation"
    return found


@pytest.mark.parametrize("change, fragment", [
    ({"association": None}, "has no DNS Firewall rule group association"),
    ({"block-rest": None}, "no rule blocks '*' for every query type"),
    # An ALLOW or ALERT on every name before the block: the default is allow.
    ({"open": rule("open", 150, "ALLOW", "every-name")}, "rule 'open' ALLOWs *"),
    ({"alert": rule("alert", 50, "ALERT", "every-name")}, "rule 'alert' ALERTs *"),
    # A TXT-only allow of every name is a tunnel for TXT queries.
    ({"txt": rule("txt", 150, "ALLOW", "every-name", qType="TXT")}, "ALLOWs TXT queries for *"),
    # Blocking only A queries leaves every other type open.
    ({"block-rest": rule("block-rest", 10000, "BLOCK", "every-name", qType="A")}, "no rule blocks '*' for every query type"),
    # A whole top-level domain is any name an outsider can register.
    ({"allowed-names": domain_list("allowed-names", ["*.com"])}, "rule 'allow-list' ALLOWs *.com"),
    # A second group associated first (lower priority number) that allows every name.
    ({"other-group": res("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "other", {}),
      "other-open": rule("other-open", 1, "ALLOW", "every-name",
                         group=("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "other")),
      "other-association": association("other-association",
                                       ("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "other"),
                                       priority=100)}, "rule 'other-open' ALLOWs *"),
])
def test_default_allow_fires(pack, change, fragment):
    fires(pack, "dns-firewall-vpc-default-block", zone(**change), fragment)


def test_allow_rule_with_a_list_outside_the_stack_cannot_be_verified(pack):
    outside = resource(RULE, {"priority": 150, "action": "ALLOW", "firewallDomainListId": "rslvr-fdl-123",
                              "firewallRuleGroupId": "g"}, name="outside",
                       property_dependencies={"firewallRuleGroupId": [urn(*GROUP)]})
    fires(pack, "dns-firewall-vpc-default-block", zone(outside=outside), "a domain list whose names cannot be read")
    # A BLOCK rule with such a list (an AWS managed threat list) cannot open anything.
    outside_block = resource(RULE, {"priority": 150, "action": "BLOCK", "firewallDomainListId": "rslvr-fdl-123",
                                    "firewallRuleGroupId": "g", "blockResponse": "NODATA"}, name="outside",
                             property_dependencies={"firewallRuleGroupId": [urn(*GROUP)]})
    assert stack_violations(pack, "dns-firewall-vpc-default-block", zone(outside=outside_block)) == []


def test_route53_profile_on_the_vpc_fires(pack):
    """A profile brings rule groups of its own, evaluated with the VPC's: a sibling path to allow every name."""
    profile = res("aws:route53/profilesAssociation:ProfilesAssociation", "org-profile",
                  {"profileId": "rp-1", "resourceId": "v", "name": "org"}, resourceId=VPC)
    found = fires(pack, "dns-firewall-vpc-default-block", zone(profile=profile), "adds the profile's DNS Firewall")
    assert found[0].urn == urn("aws:route53/profilesAssociation:ProfilesAssociation", "org-profile")


def test_group_outside_the_stack_cannot_be_verified(pack):
    foreign = resource(ASSOCIATION, {"priority": 101, "vpcId": "v", "firewallRuleGroupId": "rslvr-frg-1"},
                       name="association", property_dependencies={"vpcId": [urn(*VPC)]})
    fires(pack, "dns-firewall-vpc-default-block", zone(association=foreign), "names a rule group this stack does not")


def test_domains_unknown_at_preview_are_reported(pack):
    found = fires(pack, "dns-firewall-vpc-default-block", zone(**{"every-name": domain_list("every-name", UNKNOWN)}),
                  "cannot be verified at preview")
    assert "domains" in found[0].message


@pytest.mark.parametrize("mode", ["ENABLED", "USE_LOCAL_RESOURCE_SETTING", None])
def test_fail_open_fires(pack, mode):
    props = {"resourceId": "v"} if mode is None else {"firewallFailOpen": mode, "resourceId": "v"}
    config = res(CONFIG, "fail-closed", props, resourceId=VPC)
    fires(pack, "dns-firewall-fail-closed", zone(**{"fail-closed": config}), f"sets firewallFailOpen {mode!r}")


def test_vpc_without_fail_closed_config_fires(pack):
    fires(pack, "dns-firewall-fail-closed", zone(**{"fail-closed": None}),
          "has no ResolverFirewallConfig with firewallFailOpen DISABLED")


def test_vpc_without_query_logging_fires(pack):
    fires(pack, "network-vpc-dns-query-logging", zone(**{"query-logging-vpc": None}), "has no Resolver query logging")


def test_query_logs_to_a_destination_outside_the_stack_fire(pack):
    outside = resource(QUERY_LOG[0], {"destinationArn": "arn:aws:s3:::someone-elses"}, name="query-logging")
    fires(pack, "network-vpc-dns-query-logging", zone(**{"query-logging": outside}),
          "to a destination this stack does not create")


@pytest.mark.parametrize("servers", [["AmazonProvidedDNS", "8.8.8.8"], ["10.0.0.2", "10.0.0.3"]])
def test_dhcp_options_with_other_dns_servers_fire(pack, servers):
    options = resource("aws:ec2/vpcDhcpOptions:VpcDhcpOptions", {"domainNameServers": servers}, name="dhcp")
    found = violations(pack, "network-dns-through-resolver", options)
    assert found and "bypass the VPC resolver" in found[0].message


@pytest.mark.parametrize("props", [{"domainNameServers": ["AmazonProvidedDNS"]}, {"domainName": "corp.internal"}])
def test_dhcp_options_that_keep_the_resolver_pass(pack, props):
    options = resource("aws:ec2/vpcDhcpOptions:VpcDhcpOptions", props, name="dhcp")
    assert violations(pack, "network-dns-through-resolver", options) == []


DHCP_OPTIONS = ("aws:ec2/vpcDhcpOptions:VpcDhcpOptions", "dhcp")
DHCP_ASSOCIATION = "aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation"


@pytest.mark.parametrize("association", [
    res(DHCP_ASSOCIATION, "dhcp-vpc", {"dhcpOptionsId": "dopt-id", "vpcId": "v"}, dhcpOptionsId=DHCP_OPTIONS,
        vpcId=VPC),
    res(DHCP_ASSOCIATION, "dhcp-vpc", {"dhcpOptionsId": "default", "vpcId": "v"}, vpcId=VPC),
])
def test_dhcp_options_of_the_stack_or_none_pass(pack, association):
    options = res(*DHCP_OPTIONS, {"domainNameServers": ["AmazonProvidedDNS"]})
    assert stack_violations(pack, "network-dhcp-options-from-stack", zone() + [options, association]) == []


@pytest.mark.parametrize("options_id, fragment", [
    ("dopt-0123456789abcdef0", "which this stack does not define"),
    (UNKNOWN, "cannot be verified at preview"),
])
def test_dhcp_options_from_outside_the_stack_fire(pack, options_id, fragment):
    """The sibling path around network-dns-through-resolver: options defined elsewhere, associated here."""
    association = res(DHCP_ASSOCIATION, "dhcp-vpc", {"dhcpOptionsId": options_id, "vpcId": "v"}, vpcId=VPC)
    fires(pack, "network-dhcp-options-from-stack", zone() + [association], fragment)


def test_priorities_are_read_as_the_provider_reads_them(pack):
    """A string priority is a number to the provider: "50" comes before the block rule at 10000."""
    fires(pack, "dns-firewall-vpc-default-block", zone(open=rule("open", "50", "ALLOW", "every-name")),
          "rule 'open' ALLOWs *")


def test_a_priority_that_is_no_number_is_reported(pack):
    fires(pack, "dns-firewall-vpc-default-block", zone(open=rule("open", "first", "ALLOW", "every-name")),
          "does not read as a number")
