"""Network stack policies through the real pack (AnalyzeStack): the zone topology passes; each
broken link fires. Resources are linked by property dependencies, as the engine links them."""
import pytest

from analyzer_helpers import resource, stack_violations

UNKNOWN = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
TIER = "regzone:tier"
POLICIES = ["network-workload-no-internet-route", "network-vpc-flow-logs", "network-vpc-flow-logs-worm",
            "network-igw-requires-firewall", "network-private-endpoints-required", "network-firewall-customer-key"]


def urn(type_token, name):
    return f"urn:pulumi:test::regzone::{type_token}::{name}"


def res(type_token, name, props, **deps):
    """A resource whose inputs `deps` (prop -> resource name with type) came from other resources."""
    return resource(type_token, props, name=name,
                    property_dependencies={prop: [urn(*target)] for prop, target in deps.items()})


VPC = ("aws:ec2/vpc:Vpc", "vpc")
IGW = ("aws:ec2/internetGateway:InternetGateway", "igw")
NAT = ("aws:ec2/natGateway:NatGateway", "nat")
FIREWALL = ("aws:networkfirewall/firewall:Firewall", "firewall")
ROUTE = "aws:ec2/route:Route"


def subnet_and_table(tier, cidr):
    subnet = ("aws:ec2/subnet:Subnet", f"{tier}-subnet")
    table = ("aws:ec2/routeTable:RouteTable", f"{tier}-rt")
    return [
        res(*subnet, {"cidrBlock": cidr, "mapPublicIpOnLaunch": False, "tags": {TIER: tier}}, vpcId=VPC),
        res(*table, {"tags": {TIER: tier}}, vpcId=VPC),
        res("aws:ec2/routeTableAssociation:RouteTableAssociation", f"{tier}-rta", {},
            subnetId=subnet, routeTableId=table),
    ]


def route(tier, target_prop, target, name=None, cidr="0.0.0.0/0"):
    return res(ROUTE, name or f"{tier}-default", {"destinationCidrBlock": cidr, target_prop: f"{target[1]}-id",
                                                  "routeTableId": f"{tier}-rt-id"},
               routeTableId=("aws:ec2/routeTable:RouteTable", f"{tier}-rt"), **{target_prop: target})


def endpoint(service):
    return res("aws:ec2/vpcEndpoint:VpcEndpoint", f"ep-{service}",
               {"serviceName": f"com.amazonaws.eu-west-1.{service}"}, vpcId=VPC)


AUDIT_BUCKET = ("aws:s3/bucket:Bucket", "audit")
ZONE_KEY = ("aws:kms/key:Key", "zone-audit")
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"


def audit_bucket(locked=True, mode="COMPLIANCE"):
    return [res(*AUDIT_BUCKET, {"objectLockEnabled": locked}),
            res(LOCK, "audit-lock", {"bucket": "b", "rule": {"defaultRetention": {"mode": mode, "days": 2557}}},
                bucket=AUDIT_BUCKET)]


def archive_flow_log(traffic="ALL", bucket=AUDIT_BUCKET):
    deps = {"logDestination": bucket} if bucket else {}
    return res("aws:ec2/flowLog:FlowLog", "flow-log-archive",
               {"trafficType": traffic, "logDestinationType": "s3", "logDestination": "arn:aws:s3:::audit"},
               vpcId=VPC, **deps)


def zone(**replace):
    """The ZoneNetwork topology (egress variant); `replace` swaps resources by name (None drops one)."""
    resources = [
        res(*VPC, {"cidrBlock": "10.40.0.0/16"}),
        *subnet_and_table("workload", "10.40.0.0/18"),
        *subnet_and_table("firewall", "10.40.128.0/28"),
        *subnet_and_table("egress", "10.40.128.32/28"),
        res(*IGW, {}, vpcId=VPC),
        res(*NAT, {"connectivityType": "public"}, subnetId=("aws:ec2/subnet:Subnet", "egress-subnet")),
        res(*FIREWALL, {"deleteProtection": True, "encryptionConfiguration": {"type": "CUSTOMER_KMS",
                                                                               "keyId": UNKNOWN}},
            vpcId=VPC, encryptionConfiguration=ZONE_KEY),
        route("workload", "vpcEndpointId", FIREWALL),
        route("firewall", "natGatewayId", NAT),
        route("egress", "gatewayId", IGW),
        route("egress", "vpcEndpointId", FIREWALL, name="egress-return", cidr="10.40.0.0/18"),
        res("aws:ec2/flowLog:FlowLog", "flow-log", {"trafficType": "ALL"}, vpcId=VPC),
        *audit_bucket(),
        archive_flow_log(),
        *[endpoint(s) for s in ("s3", "ecr.api", "ecr.dkr", "kms", "sts", "logs")],
        resource("aws:kms/key:Key", {"enableKeyRotation": True}, name="zone-data", protect=True),
        resource("aws:kms/key:Key", {"enableKeyRotation": True}, name="zone-audit", protect=True),
        resource("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}, name="models"),
    ]
    by_name = {r.name: r for r in resources}
    for name, replacement in replace.items():
        assert name in by_name, name
        by_name[name] = replacement
    return [r for r in by_name.values() if r is not None]


@pytest.mark.parametrize("policy", POLICIES)
def test_zone_topology_passes(pack, policy):
    assert stack_violations(pack, policy, zone()) == []


def test_air_gapped_topology_passes(pack):
    resources = zone(**{name: None for name in ("igw", "nat", "firewall", "workload-default", "firewall-default",
                                                "egress-default", "egress-return")})
    for policy in POLICIES:
        assert stack_violations(pack, policy, resources) == [], policy


@pytest.mark.parametrize("target_prop, target, expected", [
    ("gatewayId", IGW, "internet gateway"),
    ("natGatewayId", NAT, "NAT gateway"),
])
def test_workload_route_to_gateway_fires(pack, target_prop, target, expected):
    found = stack_violations(pack, "network-workload-no-internet-route",
                             zone(**{"workload-default": route("workload", target_prop, target)}))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert f"straight to a {expected}" in found[0].message and "'workload-rt'" in found[0].message
    assert found[0].urn == urn(ROUTE, "workload-default")


def test_untagged_route_table_counts_as_workload(pack):
    untagged = res("aws:ec2/routeTable:RouteTable", "egress-rt", {"tags": {}}, vpcId=VPC)
    found = stack_violations(pack, "network-workload-no-internet-route", zone(**{"egress-rt": untagged}))
    assert found and "tier untagged" in found[0].message


def test_inline_igw_route_on_a_workload_table_fires(pack):
    inline = res("aws:ec2/routeTable:RouteTable", "workload-rt",
                 {"tags": {TIER: "workload"}, "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]},
                 vpcId=VPC)
    found = stack_violations(pack, "network-workload-no-internet-route", zone(**{"workload-rt": inline}))
    assert found and "internet gateway" in found[0].message


def test_inline_route_to_an_unknown_igw_id_from_the_stack_fires(pack):
    inline = res("aws:ec2/routeTable:RouteTable", "workload-rt",
                 {"tags": {TIER: "workload"}, "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}]},
                 vpcId=VPC, routes=IGW)
    found = stack_violations(pack, "network-workload-no-internet-route", zone(**{"workload-rt": inline}))
    assert found and "internet gateway" in found[0].message


def test_unknown_gateway_without_a_known_source_is_reported(pack):
    unknown = res(ROUTE, "workload-default", {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN},
                  routeTableId=("aws:ec2/routeTable:RouteTable", "workload-rt"))
    found = stack_violations(pack, "network-workload-no-internet-route", zone(**{"workload-default": unknown}))
    assert found and "cannot be verified at preview" in found[0].message


def test_vpc_without_flow_logs_fires(pack):
    found = stack_violations(pack, "network-vpc-flow-logs", zone(**{"flow-log": None, "flow-log-archive": None}))
    assert len(found) == 1 and "no flow log" in found[0].message and found[0].urn == urn(*VPC)


def test_rejected_only_flow_logs_fire(pack):
    partial = res("aws:ec2/flowLog:FlowLog", "flow-log", {"trafficType": "REJECT"}, vpcId=VPC)
    assert stack_violations(pack, "network-vpc-flow-logs",
                            zone(**{"flow-log": partial, "flow-log-archive": archive_flow_log(traffic="REJECT")}))


def test_unknown_flow_log_traffic_type_is_reported(pack):
    unknown = res("aws:ec2/flowLog:FlowLog", "flow-log", {"trafficType": UNKNOWN}, vpcId=VPC)
    found = stack_violations(pack, "network-vpc-flow-logs", zone(**{"flow-log": unknown}))
    assert found and "cannot be verified at preview" in found[0].message


def test_igw_without_firewall_fires(pack):
    found = stack_violations(pack, "network-igw-requires-firewall", zone(firewall=None))
    assert any("no Network Firewall" in d.message and d.urn == urn(*VPC) for d in found)


def test_nat_route_outside_firewall_subnets_fires(pack):
    extra = route("egress", "natGatewayId", NAT, name="egress-to-nat", cidr="192.0.2.0/24")
    found = stack_violations(pack, "network-igw-requires-firewall", zone(**{"egress-return": extra}))
    assert len(found) == 1 and "bypassing the firewall" in found[0].message


@pytest.mark.parametrize("dropped, service", [("ep-s3", "s3"), ("ep-ecr.dkr", "ecr.dkr"), ("ep-kms", "kms")])
def test_missing_endpoint_fires(pack, dropped, service):
    found = stack_violations(pack, "network-private-endpoints-required", zone(**{dropped: None}))
    assert len(found) == 1 and f"no VPC endpoint for {service}" in found[0].message


def test_no_need_no_endpoint_required(pack):
    resources = zone(**{"zone-data": None, "models": None, "ep-kms": None, "ep-ecr.api": None,
                        "ep-ecr.dkr": None, "ep-s3": None, "audit": None, "audit-lock": None,
                        "flow-log-archive": None, "zone-audit": None})
    assert stack_violations(pack, "network-private-endpoints-required", resources) == []


POD_IDENTITY_AGENT = resource("aws:eks/addon:Addon", {"addonName": "eks-pod-identity-agent"}, name="pod-identity")


def test_pod_identity_without_eks_auth_endpoint_fires(pack):
    found = stack_violations(pack, "network-private-endpoints-required", zone() + [POD_IDENTITY_AGENT])
    assert len(found) == 1 and "no VPC endpoint for eks-auth" in found[0].message
    assert stack_violations(pack, "network-private-endpoints-required",
                            zone() + [POD_IDENTITY_AGENT, endpoint("eks-auth")]) == []


def test_other_addons_need_no_eks_auth_endpoint(pack):
    coredns = resource("aws:eks/addon:Addon", {"addonName": "coredns"}, name="coredns")
    assert stack_violations(pack, "network-private-endpoints-required", zone() + [coredns]) == []


def test_internet_route_in_the_main_route_table_fires(pack):
    """Subnets with no association use the VPC's main table: an IGW route there reaches workloads."""
    main = res("aws:ec2/defaultRouteTable:DefaultRouteTable", "main-rt",
               {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}], "tags": {TIER: "egress"}})
    found = stack_violations(pack, "network-workload-no-internet-route", zone() + [main])
    assert len(found) == 1 and "tier main" in found[0].message and found[0].urn == urn(*main.urn.split("::")[-2:])
    assert stack_violations(pack, "network-workload-no-internet-route",
                            zone() + [res("aws:ec2/defaultRouteTable:DefaultRouteTable", "main-rt", {"routes": []})]) == []


def test_route_on_the_vpc_main_table_output_fires(pack):
    main_route = res(ROUTE, "main-default", {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-id"},
                     routeTableId=VPC, gatewayId=IGW)
    found = stack_violations(pack, "network-workload-no-internet-route", zone() + [main_route])
    assert len(found) == 1 and "tier main" in found[0].message


def test_an_edge_table_made_main_is_no_longer_edge(pack):
    made_main = res("aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation", "main-assoc", {},
                    routeTableId=("aws:ec2/routeTable:RouteTable", "egress-rt"), vpcId=VPC)
    found = stack_violations(pack, "network-workload-no-internet-route", zone() + [made_main])
    assert len(found) == 1 and "'egress-rt'" in found[0].message and "tier main" in found[0].message


SG_TYPE = ("aws:ec2/securityGroup:SecurityGroup", "app-sg")
PREFIX_LIST = ("aws:ec2/managedPrefixList:ManagedPrefixList", "partners")


def ingress_rule(name, props, **deps):
    return res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name,
               {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, **props}, securityGroupId=SG_TYPE, **deps)


def test_rules_that_add_up_to_the_internet_across_resources_fire(pack):
    resources = [res(*SG_TYPE, {"vpcId": "vpc-1", "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                                                "cidrBlocks": ["0.0.0.0/1"]}]}),
                 ingress_rule("upper-half", {"cidrIpv4": "128.0.0.0/1"})]
    found = stack_violations(pack, "security-group-ingress-adds-up", resources)
    assert len(found) == 1 and "the IPv4 internet" in found[0].message and found[0].urn == urn(*SG_TYPE)
    assert stack_violations(pack, "security-group-ingress-adds-up", resources[:1]) == []


def test_a_prefix_list_that_adds_up_to_the_internet_fires(pack):
    plist = res(*PREFIX_LIST, {"addressFamily": "IPv4", "maxEntries": 5, "entries": [{"cidr": "0.0.0.0/1"}]})
    entry = res("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "partners-2", {"cidr": "128.0.0.0/1"},
                prefixListId=PREFIX_LIST)
    rule = ingress_rule("from-partners", {"prefixListId": "pl-id"}, prefixListId=PREFIX_LIST)
    group = res(*SG_TYPE, {"vpcId": "vpc-1"})
    found = stack_violations(pack, "security-group-ingress-adds-up", [group, plist, entry, rule])
    assert len(found) == 1 and "the IPv4 internet" in found[0].message
    assert stack_violations(pack, "security-group-ingress-adds-up", [group, plist, rule]) == []


def test_ingress_from_a_prefix_list_outside_the_stack_is_reported(pack):
    rule = ingress_rule("from-elsewhere", {"prefixListId": "pl-0123456789abcdef0"})
    found = stack_violations(pack, "security-group-ingress-adds-up", [res(*SG_TYPE, {"vpcId": "vpc-1"}), rule])
    assert len(found) == 1 and "this stack does not create" in found[0].message


DEFAULT_SG = ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg")
DEFAULT_NACL = ("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl", "default-nacl")


def test_closed_defaults_pass(pack):
    closed = [res(*DEFAULT_SG, {"ingress": [], "egress": []}, vpcId=VPC),
              res(*DEFAULT_NACL, {"ingress": [], "egress": []})]
    assert stack_violations(pack, "vpc-default-security-group-closed", zone() + closed) == []


@pytest.mark.parametrize("extra, expected", [
    (res(*DEFAULT_SG, {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]}, vpcId=VPC),
     "default security group 'default-sg' keeps ingress rules"),
    (res(*DEFAULT_NACL, {"egress": [{"ruleNo": 100, "action": "allow", "protocol": "-1", "cidrBlock": "0.0.0.0/0",
                                     "fromPort": 0, "toPort": 0}]}), "default NACL 'default-nacl' keeps egress rules"),
    (res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "via-vpc-output",
         {"ipProtocol": "-1", "cidrIpv4": "10.0.0.0/8"}, securityGroupId=VPC), "default security group"),
    (res("aws:ec2/securityGroupRule:SecurityGroupRule", "via-adopted",
         {"type": "ingress", "protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"]},
         securityGroupId=DEFAULT_SG), "default security group"),
    (res("aws:ec2/networkAclRule:NetworkAclRule", "nacl-rule",
         {"ruleNumber": 100, "ruleAction": "allow", "protocol": "-1", "cidrBlock": "10.0.0.0/8"},
         networkAclId=VPC), "default NACL"),
])
def test_rules_in_the_default_security_group_or_nacl_fire(pack, extra, expected):
    closed = {name: res(type_token, name, {"ingress": [], "egress": []}, vpcId=VPC)
              for type_token, name in (DEFAULT_SG, DEFAULT_NACL)}
    closed[extra.name] = extra
    found = stack_violations(pack, "vpc-default-security-group-closed", zone() + list(closed.values()))
    assert len(found) == 1 and expected in found[0].message and found[0].urn == extra.urn


def test_rules_on_the_zone_nacl_and_groups_pass(pack):
    zone_nacl = ("aws:ec2/networkAcl:NetworkAcl", "zone-nacl")
    rules = [res(*zone_nacl, {"vpcId": "vpc-1"}),
             res("aws:ec2/networkAclRule:NetworkAclRule", "nacl-rule",
                 {"ruleNumber": 100, "ruleAction": "allow", "protocol": "-1", "cidrBlock": "10.0.0.0/8"},
                 networkAclId=zone_nacl),
             res(*SG_TYPE, {"vpcId": "vpc-1"}), ingress_rule("in-zone", {"cidrIpv4": "10.40.0.0/16"})]
    assert stack_violations(pack, "vpc-default-security-group-closed", zone() + rules) == []


def test_a_carrier_gateway_needs_the_firewall_too(pack):
    carrier = res("aws:ec2/carrierGateway:CarrierGateway", "carrier", {}, vpcId=VPC)
    found = stack_violations(pack, "network-igw-requires-firewall", zone(firewall=None, igw=None) + [carrier])
    assert any("no Network Firewall" in d.message for d in found)


def test_a_firewall_endpoint_associated_with_the_vpc_counts(pack):
    association = res("aws:networkfirewall/vpcEndpointAssociation:VpcEndpointAssociation", "fw-assoc",
                      {"firewallArn": "arn:aws:network-firewall:eu-west-1:111122223333:firewall/shared"}, vpcId=VPC)
    found = stack_violations(pack, "network-igw-requires-firewall", zone(firewall=None) + [association])
    assert not any("no Network Firewall" in d.message for d in found)


@pytest.mark.parametrize("replace, expected", [
    ({"flow-log-archive": None}, "no flow log of ALL traffic delivers to S3"),
    ({"flow-log-archive": archive_flow_log(traffic="REJECT")}, "no flow log of ALL traffic delivers to S3"),
    ({"audit": audit_bucket(locked=False)[0], "audit-lock": None}, "which has no Object Lock"),
    ({"audit-lock": audit_bucket(mode="GOVERNANCE")[1]}, "no COMPLIANCE-mode default retention"),
    ({"flow-log-archive": archive_flow_log(bucket=None)}, "a bucket this stack does not create"),
])
def test_flow_logs_not_archived_write_once_fire(pack, replace, expected):
    found = stack_violations(pack, "network-vpc-flow-logs-worm", zone(**replace))
    assert len(found) == 1 and expected in found[0].message and found[0].urn == urn(*VPC), \
        [d.message for d in found]


FIREWALL_TYPES = ["aws:networkfirewall/ruleGroup:RuleGroup", "aws:networkfirewall/firewallPolicy:FirewallPolicy",
                  "aws:networkfirewall/firewall:Firewall"]


@pytest.mark.parametrize("type_token", FIREWALL_TYPES)
def test_firewall_configuration_with_a_literal_customer_key_passes(pack, type_token):
    literal = resource(type_token, {"encryptionConfiguration": {
        "type": "CUSTOMER_KMS", "keyId": "arn:aws:kms:eu-west-1:111122223333:key/audit"}}, name="egress-config")
    assert stack_violations(pack, "network-firewall-customer-key", zone() + [literal]) == []


@pytest.mark.parametrize("type_token", FIREWALL_TYPES)
@pytest.mark.parametrize("props, expected", [
    ({}, "an AWS owned key"),
    ({"encryptionConfiguration": {"type": "AWS_OWNED_KMS_KEY"}}, "an AWS owned key"),
    ({"encryptionConfiguration": {"type": "CUSTOMER_KMS"}}, "without a keyId"),
    # Unknown, and from no key of this stack: what it names cannot be shown.
    ({"encryptionConfiguration": {"type": "CUSTOMER_KMS", "keyId": UNKNOWN}}, "cannot be verified at preview"),
])
def test_firewall_configuration_without_a_customer_key_fires(pack, type_token, props, expected):
    found = stack_violations(pack, "network-firewall-customer-key", zone() + [resource(type_token, props, name="x")])
    assert len(found) == 1 and expected in found[0].message, [d.message for d in found]


TLS_INSPECTION = "aws:networkfirewall/tlsInspectionConfiguration:TlsInspectionConfiguration"
AUDIT_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/audit"


def test_tls_inspection_configuration_with_a_customer_key_passes(pack):
    """Its list of encryption configurations, each judged like a firewall's one block."""
    inspection = resource(TLS_INSPECTION, {"encryptionConfigurations": [
        {"type": "CUSTOMER_KMS", "keyId": AUDIT_KEY_ARN}]}, name="inspection")
    assert stack_violations(pack, "network-firewall-customer-key", zone() + [inspection]) == []


@pytest.mark.parametrize("props, expected", [
    ({}, "an AWS owned key"),
    ({"encryptionConfigurations": []}, "an AWS owned key"),
    ({"encryptionConfigurations": [{"type": "CUSTOMER_KMS", "keyId": AUDIT_KEY_ARN},
                                   {"type": "AWS_OWNED_KMS_KEY"}]}, "encryptionConfigurations.1"),
    ({"encryptionConfigurations": [{"type": "CUSTOMER_KMS", "keyId": UNKNOWN}]}, "cannot be verified at preview"),
])
def test_tls_inspection_configuration_without_a_customer_key_fires(pack, props, expected):
    found = stack_violations(pack, "network-firewall-customer-key",
                             zone() + [resource(TLS_INSPECTION, props, name="inspection")])
    assert len(found) == 1 and expected in found[0].message, [d.message for d in found]


def test_archive_bucket_lock_flag_is_read_as_the_provider_reads_it(pack):
    """objectLockEnabled "true" is Object Lock (values.as_bool): the bucket is judged on its retention mode."""
    found = stack_violations(pack, "network-vpc-flow-logs-worm",
                             zone(**{"audit-lock": None, "audit": res(*AUDIT_BUCKET, {"objectLockEnabled": "true"})}))
    assert len(found) == 1 and "no COMPLIANCE-mode default retention" in found[0].message
