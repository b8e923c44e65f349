"""The dev zone's network under mocks: tiers, routes through the firewall only, closed defaults,
flow logs, endpoints; the air-gapped variant builds no internet path at all."""
import json

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import ProgramError, record_program
from tests.helpers import write_stack

FIREWALL = "aws:networkfirewall/firewall:Firewall"
ROUTE = "aws:ec2/route:Route"
INTERNET_TYPES = ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip",
                  FIREWALL, "aws:networkfirewall/firewallPolicy:FirewallPolicy",
                  "aws:networkfirewall/ruleGroup:RuleGroup", ROUTE)


@pytest.fixture(scope="module")
def dev():
    return record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))


def of_type(recording, type_token):
    return [r for r in recording.resources if r.type == type_token]


def one(recording, type_token):
    (found,) = of_type(recording, type_token)
    return found


def tier_of(recording, urn):
    return recording.by_urn()[urn].inputs["tags"]["regzone:tier"]


def test_subnets_are_private_and_tagged_by_tier(dev):
    subnets = of_type(dev, "aws:ec2/subnet:Subnet")
    tiers = sorted(s.inputs["tags"]["regzone:tier"] for s in subnets)
    assert tiers == ["egress"] * 2 + ["firewall"] * 2 + ["workload"] * 2
    for subnet in subnets:
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
    workload = {s.inputs["cidrBlock"]: s.inputs["availabilityZone"] for s in subnets
                if s.inputs["tags"]["regzone:tier"] == "workload"}
    assert workload == {"10.40.0.0/18": "eu-west-1a", "10.40.64.0/18": "eu-west-1b"}
    assert one(dev, "aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.40.0.0/16"


def test_workload_subnets_route_only_to_firewall_endpoints(dev):
    firewall = one(dev, FIREWALL)
    by_table = {}
    for route in of_type(dev, ROUTE):
        (table,) = route.property_dependencies["routeTableId"]
        by_table.setdefault(tier_of(dev, table), []).append(route)
    workload = by_table["workload"]
    assert len(workload) == 2
    for route in workload:
        assert set(route.inputs) == {"routeTableId", "destinationCidrBlock", "vpcEndpointId"}
        assert route.property_dependencies["vpcEndpointId"] == [firewall.urn]
    assert all("natGatewayId" in r.inputs for r in by_table["firewall"])
    egress_targets = sorted(next(k for k in ("gatewayId", "vpcEndpointId") if k in r.inputs) for r in by_table["egress"])
    assert egress_targets == ["gatewayId", "gatewayId", "vpcEndpointId", "vpcEndpointId"]


def test_firewall_allows_only_the_zone_allow_list(dev):
    group = one(dev, "aws:networkfirewall/ruleGroup:RuleGroup").inputs
    source = group["ruleGroup"]["rulesSource"]["rulesSourceList"]
    assert group["type"] == "STATEFUL" and source["generatedRulesType"] == "ALLOWLIST"
    assert source["targetTypes"] == ["TLS_SNI", "HTTP_HOST"]
    assert source["targets"] == [".api.example.com", "model-registry.internal.example.com"]
    assert group["ruleGroup"]["statefulRuleOptions"]["ruleOrder"] == "STRICT_ORDER"
    policy = one(dev, "aws:networkfirewall/firewallPolicy:FirewallPolicy").inputs["firewallPolicy"]
    assert policy["statefulEngineOptions"]["ruleOrder"] == "STRICT_ORDER"
    assert "aws:drop_established" in policy["statefulDefaultActions"]
    firewall = one(dev, FIREWALL)
    assert len(firewall.inputs["subnetMappings"]) == 2
    for protection in ("deleteProtection", "subnetChangeProtection", "firewallPolicyChangeProtection"):
        assert firewall.inputs[protection] is True, protection
    logging = one(dev, "aws:networkfirewall/loggingConfiguration:LoggingConfiguration").inputs
    configs = logging["loggingConfiguration"]["logDestinationConfigs"]
    assert sorted(c["logType"] for c in configs) == ["ALERT", "FLOW"]


def test_firewall_configuration_is_encrypted_with_the_audit_key(dev):
    """Rule group, policy and firewall use the zone's audit key, not an AWS owned key; the audit key
    lets the deployer use it only through Network Firewall."""
    audit_key = next(k for k in of_type(dev, "aws:kms/key:Key") if k.name.endswith("-audit"))
    for type_token in ("aws:networkfirewall/ruleGroup:RuleGroup", "aws:networkfirewall/firewallPolicy:FirewallPolicy",
                       FIREWALL):
        resource = one(dev, type_token)
        assert resource.inputs["encryptionConfiguration"]["type"] == "CUSTOMER_KMS", type_token
        assert resource.property_dependencies["encryptionConfiguration"] == [audit_key.urn], type_token
    statements = {s["Sid"]: s for s in json.loads(audit_key.inputs["policy"])["Statement"]}
    through = statements["DeployerThroughNetworkFirewall"]
    assert sorted(through["Action"]) == ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    assert through["Condition"]["StringEquals"]["kms:ViaService"] == "network-firewall.eu-west-1.amazonaws.com"


def test_log_groups_are_encrypted_with_the_audit_key_and_protected(dev):
    audit_key = next(k.urn for k in of_type(dev, "aws:kms/key:Key") if k.name.endswith("-audit"))
    groups = {g.inputs["name"]: g for g in of_type(dev, "aws:cloudwatch/logGroup:LogGroup")}
    for name in ("/regzone/dev-ai/vpc-flow-logs", "/regzone/dev-ai/network-firewall/alert",
                 "/regzone/dev-ai/network-firewall/flow"):
        group = groups[name]
        assert group.property_dependencies["kmsKeyId"] == [audit_key]
        assert group.inputs["retentionInDays"] >= 365
        assert group.protect and group.retain_on_delete
    flow_logs = {f.inputs["logDestinationType"]: f for f in of_type(dev, "aws:ec2/flowLog:FlowLog")}
    assert flow_logs["cloud-watch-logs"].inputs["trafficType"] == "ALL"
    assert flow_logs["cloud-watch-logs"].property_dependencies["logDestination"] == [
        groups["/regzone/dev-ai/vpc-flow-logs"].urn]


def test_flow_logs_are_also_archived_write_once_in_the_audit_bucket(dev):
    """The S3 copy goes to the Object Lock (COMPLIANCE) audit bucket, after its policy admits delivery."""
    (archive,) = [f for f in of_type(dev, "aws:ec2/flowLog:FlowLog") if f.inputs["logDestinationType"] == "s3"]
    assert archive.inputs["trafficType"] == "ALL" and archive.inputs["maxAggregationInterval"] == 60
    assert "iamRoleArn" not in archive.inputs  # S3 delivery runs as delivery.logs.amazonaws.com
    (bucket,) = [b for b in of_type(dev, "aws:s3/bucket:Bucket") if b.inputs.get("objectLockEnabled")]
    assert archive.property_dependencies["logDestination"] == [bucket.urn]
    assert archive.property_dependencies["vpcId"] == [one(dev, "aws:ec2/vpc:Vpc").urn]
    (policy,) = [p for p in of_type(dev, "aws:s3/bucketPolicy:BucketPolicy")
                 if p.property_dependencies.get("bucket") == [bucket.urn]]
    assert policy.urn in archive.dependencies
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["FlowLogsDeliver"]["Principal"] == {"Service": "delivery.logs.amazonaws.com"}


def test_defaults_are_closed_and_nacl_denies_the_rest(dev):
    default_sg = one(dev, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert default_sg.get("ingress", []) == [] and default_sg.get("egress", []) == []
    default_nacl = one(dev, "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl").inputs
    assert default_nacl.get("ingress", []) == [] and default_nacl.get("egress", []) == []
    nacl = one(dev, "aws:ec2/networkAcl:NetworkAcl").inputs
    assert len(nacl["subnetIds"]) == 6
    internet_out = sorted((r["fromPort"], r["toPort"]) for r in nacl["egress"] if r["cidrBlock"] == "0.0.0.0/0")
    assert internet_out == [(80, 80), (443, 443)]
    assert all(r["action"] == "allow" for r in nacl["ingress"] + nacl["egress"])


def test_endpoints_are_private_and_limited_to_the_zone_account(dev):
    endpoints = {e.inputs["serviceName"].removeprefix("com.amazonaws.eu-west-1."): e.inputs
                 for e in of_type(dev, "aws:ec2/vpcEndpoint:VpcEndpoint")}
    # eks-auth: the dev zone has a cluster, whose Pod Identity agent calls the EKS Auth API.
    assert set(endpoints) == {"s3", "ecr.api", "ecr.dkr", "kms", "sts", "logs", "eks", "ec2", "eks-auth"}
    assert endpoints["s3"]["vpcEndpointType"] == "Gateway" and len(endpoints["s3"]["routeTableIds"]) == 2
    for service, endpoint in endpoints.items():
        statements = json.loads(endpoint["policy"])["Statement"]
        assert statements[0]["Condition"]["StringEquals"]["aws:PrincipalAccount"] == "111122223333", service
        if service != "s3":
            assert endpoint["vpcEndpointType"] == "Interface" and endpoint["privateDnsEnabled"] is True
            assert len(endpoint["subnetIds"]) == 2 and len(endpoint["securityGroupIds"]) == 1


DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
FIREWALL_RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"


def dns_rules(recording):
    """(priority, action, domains) of the zone's DNS firewall rules, in evaluation order."""
    lists = {d.urn: d.inputs["domains"] for d in of_type(recording, DOMAIN_LIST)}
    return sorted((r.inputs["priority"], r.inputs["action"], lists[r.property_dependencies["firewallDomainListId"][0]])
                  for r in of_type(recording, FIREWALL_RULE))


def test_dns_firewall_allows_the_zone_names_and_blocks_every_other(dev):
    rules = dns_rules(dev)
    assert [(priority, action) for priority, action, _ in rules] == [(100, "ALLOW"), (200, "ALLOW"), (10000, "BLOCK")]
    aws_names, allow_list, last = (domains for _, _, domains in rules)
    assert {"api.ecr.eu-west-1.amazonaws.com", "*.dkr.ecr.eu-west-1.amazonaws.com", "kms.eu-west-1.amazonaws.com",
            "eks-auth.eu-west-1.api.aws", "*.s3.eu-west-1.amazonaws.com", "*.eu-west-1.eks.amazonaws.com",
            "*.eu-west-1.compute.internal", "*.40.10.in-addr.arpa"} <= set(aws_names)
    assert allow_list == ["*.api.example.com", "api.example.com", "model-registry.internal.example.com"]
    assert last == ["*"]
    group = one(dev, "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup")
    vpc = one(dev, "aws:ec2/vpc:Vpc")
    for rule in of_type(dev, FIREWALL_RULE):
        assert rule.property_dependencies["firewallRuleGroupId"] == [group.urn]
        expected = {"blockResponse": "NXDOMAIN"} if rule.inputs["action"] == "BLOCK" else {
            "firewallDomainRedirectionAction": "TRUST_REDIRECTION_DOMAIN"}
        assert expected.items() <= rule.inputs.items()
    association = one(dev, "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation")
    assert association.property_dependencies["vpcId"] == [vpc.urn]
    assert association.property_dependencies["firewallRuleGroupId"] == [group.urn]
    assert association.inputs["mutationProtection"] == "ENABLED" and 100 <= association.inputs["priority"] <= 9900
    config = one(dev, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig")
    assert config.inputs["firewallFailOpen"] == "DISABLED" and config.property_dependencies["resourceId"] == [vpc.urn]


def test_dns_queries_are_logged_to_an_audit_log_group(dev):
    audit_key = next(k.urn for k in of_type(dev, "aws:kms/key:Key") if k.name.endswith("-audit"))
    (group,) = [g for g in of_type(dev, "aws:cloudwatch/logGroup:LogGroup")
                if g.inputs["name"] == "/regzone/dev-ai/dns-queries"]
    assert group.property_dependencies["kmsKeyId"] == [audit_key] and group.protect and group.retain_on_delete
    config = one(dev, "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")
    assert config.property_dependencies["destinationArn"] == [group.urn]
    association = one(dev, "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation")
    assert association.property_dependencies["resolverQueryLogConfigId"] == [config.urn]
    assert association.property_dependencies["resourceId"] == [one(dev, "aws:ec2/vpc:Vpc").urn]


@pytest.mark.parametrize("egress", [{"default": "deny", "allowed_destinations": []},
                                    {"default": "deny", "air_gapped": True}])
def test_air_gapped_zone_has_no_internet_path(tmp_path, dev_config, egress):
    dev_config["regzone:zones"][0]["regulated_ai_zone"]["egress"] = egress
    dev_config["regzone:zones"][0]["ssm_endpoints"] = True
    write_stack(tmp_path, "airgap", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    recording = record_program(tmp_path, "airgap", dev_config)
    for type_token in INTERNET_TYPES:
        assert of_type(recording, type_token) == [], type_token
    tiers = {s.inputs["tags"]["regzone:tier"] for s in of_type(recording, "aws:ec2/subnet:Subnet")}
    assert tiers == {"workload"}
    nacl = one(recording, "aws:ec2/networkAcl:NetworkAcl").inputs
    beyond_vpc = sorted((r["cidrBlock"], r["toPort"]) for r in nacl["egress"] if r["cidrBlock"] != "10.40.0.0/16")
    assert beyond_vpc == [("192.0.2.0/24", 443), ("198.51.100.0/24", 443)]  # the mock's S3 prefix list
    services = {e.inputs["serviceName"].rsplit(".", 1)[-1] for e in of_type(recording, "aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert {"ssm", "ssmmessages", "ec2messages", "eks-auth"} <= services
    # DNS: only the AWS names its endpoints serve (SSM's included), then block every other name.
    rules = dns_rules(recording)
    assert [(priority, action) for priority, action, _ in rules] == [(100, "ALLOW"), (10000, "BLOCK")]
    assert {"ssm.eu-west-1.amazonaws.com", "ssmmessages.eu-west-1.amazonaws.com"} <= set(rules[0][2])
    assert not any(name.endswith("example.com") for name in rules[0][2])


def test_zone_without_cluster_has_no_eks_auth_endpoint(tmp_path, dev_config):
    zone = dev_config["regzone:zones"][0]
    del zone["cluster"]
    zone["registry"]["pull_role_arns"] = ["arn:aws:iam::111122223333:role/summarizer"]
    write_stack(tmp_path, "nocluster", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    recording = record_program(tmp_path, "nocluster", dev_config)
    services = {e.inputs["serviceName"].rsplit(".", 1)[-1] for e in of_type(recording, "aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert "eks-auth" not in services and "eks" in services
    assert {f.inputs["trafficType"] for f in of_type(recording, "aws:ec2/flowLog:FlowLog")} == {"ALL"}


@pytest.mark.parametrize("changes, expected", [
    ({"regulated_ai_zone": {"egress": {"allowed_destinations": ["https://evil.example.com"]}}},
     "regzone:zones[0].regulated_ai_zone.egress.allowed_destinations[0]"),
    ({"regulated_ai_zone": {"egress": {"allowed_destinations": [f"h{i}.example.com" for i in range(501)]}}},
     "regzone:zones[0].regulated_ai_zone.egress.allowed_destinations: List should have at most 500 items"),
    ({"az_count": 3, "vpc_cidr": "10.40.0.0/23"}, "regzone:zones[0].vpc_cidr = '10.40.0.0/23'"),
    ({"az_count": 4}, "regzone:zones[0].az_count = 4: exceeds the 3 Availability Zones of eu-west-1"),
])
def test_bad_network_config_registers_nothing(tmp_path, dev_config, changes, expected):
    dev_config["regzone:zones"][0].update(changes)
    write_stack(tmp_path, "broken", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    with pytest.raises(ProgramError) as raised:
        record_program(tmp_path, "broken", dev_config)
    assert expected in str(raised.value)
