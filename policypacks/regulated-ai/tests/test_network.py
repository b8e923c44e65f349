"""Network resource policies through the real pack: compliant baselines pass; one-property changes
fire; unknown values are reported, never passed."""
import pytest

from analyzer_helpers import resource, violations

UNKNOWN = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
INSTANCE = "aws:ec2/instance:Instance"

BASELINES = {
    "subnet-no-public-ip": (SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.40.0.0/18", "mapPublicIpOnLaunch": False}),
    "no-public-ip-address": (INSTANCE, {"instanceType": "m6a.large", "associatePublicIpAddress": False}),
    "security-group-no-public-ingress": (SG, {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.40.0.0/16"]}]}),
    "load-balancer-internal-only": (LB, {"internal": True, "loadBalancerType": "application"}),
    "load-balancer-listener-tls": (LISTENER, {"protocol": "HTTPS", "port": 443,
                                              "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}),
}


def changed(policy, **changes):
    type_token, props = BASELINES[policy]
    return resource(type_token, {**props, **changes}, name="zone-net")


@pytest.mark.parametrize("policy", sorted(BASELINES))
def test_baseline_passes(pack, policy):
    assert violations(pack, policy, changed(policy)) == []


@pytest.mark.parametrize("policy, changes, expected", [
    ("subnet-no-public-ip", {"mapPublicIpOnLaunch": True}, "maps public IPs"),
    ("no-public-ip-address", {"associatePublicIpAddress": True}, "associatePublicIpAddress = True"),
    ("security-group-no-public-ingress", {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                                       "cidrBlocks": ["0.0.0.0/0"]}]}, "the IPv4 internet"),
    ("security-group-no-public-ingress", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                                       "ipv6CidrBlocks": ["::/0"]}]}, "the IPv6 internet"),
    ("load-balancer-internal-only", {"internal": False}, "internet-facing"),
    ("load-balancer-listener-tls", {"protocol": "HTTP"}, "plain HTTP"),
    ("load-balancer-listener-tls", {"sslPolicy": "ELBSecurityPolicy-2016-08"}, "ELBSecurityPolicy-2016-08"),
    ("load-balancer-listener-tls", {"sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}, "TLS 1.2+"),
])
def test_one_change_fires(pack, policy, changes, expected):
    found = violations(pack, policy, changed(policy, **changes))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert expected in found[0].message and "RAZ-NET-00" in found[0].message


@pytest.mark.parametrize("policy, missing, expected", [
    ("load-balancer-internal-only", "internal", "internet-facing"),  # AWS's default is internet-facing
    ("load-balancer-listener-tls", "sslPolicy", "API default admits TLS 1.0"),
    ("load-balancer-listener-tls", "protocol", "sets no protocol"),
])
def test_insecure_defaults_fire(pack, policy, missing, expected):
    type_token, props = BASELINES[policy]
    found = violations(pack, policy, resource(type_token, {k: v for k, v in props.items() if k != missing}))
    assert len(found) == 1 and expected in found[0].message


def test_default_subnet_maps_public_ips_unless_told_otherwise(pack):
    found = violations(pack, "subnet-no-public-ip", resource("aws:ec2/defaultSubnet:DefaultSubnet",
                                                              {"availabilityZone": "eu-west-1a"}))
    assert found and "maps public IPs" in found[0].message


def test_http_listener_that_only_redirects_to_https_passes(pack):
    redirect = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
    assert violations(pack, "load-balancer-listener-tls",
                      changed("load-balancer-listener-tls", protocol="HTTP", defaultActions=redirect)) == []
    forward = [{"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:tg"}]
    assert violations(pack, "load-balancer-listener-tls",
                      changed("load-balancer-listener-tls", protocol="HTTP", defaultActions=forward))


@pytest.mark.parametrize("type_token, props, expected", [
    (SG_RULE, {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
               "cidrBlocks": ["0.0.0.0/0"], "securityGroupId": "sg-1"}, "the IPv4 internet"),
    (INGRESS_RULE, {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv6": "::/0",
                    "securityGroupId": "sg-1"}, "the IPv6 internet"),
    ("aws:alb/loadBalancer:LoadBalancer", {"internal": False}, "internet-facing"),
    ("aws:elb/loadBalancer:LoadBalancer", {"internal": False}, "internet-facing"),
])
def test_separate_rules_and_alias_tokens_fire(pack, type_token, props, expected):
    policy = "load-balancer-internal-only" if "oadBalancer" in type_token else "security-group-no-public-ingress"
    found = violations(pack, policy, resource(type_token, props))
    assert found and expected in found[0].message


def test_egress_rule_to_anywhere_is_not_ingress(pack):
    rule = resource(SG_RULE, {"type": "egress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
                              "cidrBlocks": ["0.0.0.0/0"], "securityGroupId": "sg-1"})
    assert violations(pack, "security-group-no-public-ingress", rule) == []


@pytest.mark.parametrize("policy, changes", [
    ("subnet-no-public-ip", {"mapPublicIpOnLaunch": UNKNOWN}),
    ("security-group-no-public-ingress", {"ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                                       "cidrBlocks": [UNKNOWN]}]}),
    ("load-balancer-internal-only", {"internal": UNKNOWN}),
    ("load-balancer-listener-tls", {"sslPolicy": UNKNOWN}),
    ("no-public-ip-address", {"associatePublicIpAddress": UNKNOWN}),
])
def test_unknown_values_are_reported_not_passed(pack, policy, changes):
    found = violations(pack, policy, changed(policy, **changes))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "cannot be verified at preview" in found[0].message


# Every input that gives a resource a public address (regulated_ai/exposure.py PUBLIC_ADDRESS_INPUTS), set
# the way the provider reads it: a boolean, a string boolean, a number, or an ENABLED/Enabled enum.
PUBLIC = [
    ("aws:ec2/instance:Instance", {"associatePublicIpAddress": "1"}, {"associatePublicIpAddress": "false"}),
    ("aws:ec2/spotInstanceRequest:SpotInstanceRequest", {"associatePublicIpAddress": "t"},
     {"associatePublicIpAddress": False}),
    ("aws:ec2/launchConfiguration:LaunchConfiguration", {"associatePublicIpAddress": 1},
     {"associatePublicIpAddress": 0}),
    ("aws:ec2/spotFleetRequest:SpotFleetRequest",
     {"launchSpecifications": [{"associatePublicIpAddress": False}, {"associatePublicIpAddress": "True"}]},
     {"launchSpecifications": [{"associatePublicIpAddress": False}]}),
    ("aws:ecs/service:Service", {"networkConfiguration": {"assignPublicIp": True}},
     {"networkConfiguration": {"assignPublicIp": False}}),
    ("aws:ecs/taskSet:TaskSet", {"networkConfiguration": {"assignPublicIp": "TRUE"}}, {"networkConfiguration": {}}),
    ("aws:cloudwatch/eventTarget:EventTarget", {"ecsTarget": {"networkConfiguration": {"assignPublicIp": True}}},
     {"ecsTarget": {"networkConfiguration": {"assignPublicIp": False}}}),
    ("aws:scheduler/schedule:Schedule",
     {"target": {"ecsParameters": {"networkConfiguration": {"assignPublicIp": True}}}},
     {"target": {"ecsParameters": {"networkConfiguration": {"assignPublicIp": False}}}}),
    ("aws:pipes/pipe:Pipe", {"targetParameters": {"ecsTaskParameters": {"networkConfiguration": {
        "awsVpcConfiguration": {"assignPublicIp": "ENABLED"}}}}},
     {"targetParameters": {"ecsTaskParameters": {"networkConfiguration": {
         "awsVpcConfiguration": {"assignPublicIp": "DISABLED"}}}}}),
    ("aws:drs/replicationConfigurationTemplate:ReplicationConfigurationTemplate", {"createPublicIp": True},
     {"createPublicIp": False}),
    ("aws:sagemaker/notebookInstance:NotebookInstance", {}, {"directInternetAccess": "Disabled"}),
    ("aws:rds/instance:Instance", {"publiclyAccessible": True}, {}),
    ("aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": "true"}, {}),
    ("aws:neptune/clusterInstance:ClusterInstance", {"publiclyAccessible": True}, {}),
    ("aws:redshift/cluster:Cluster", {"publiclyAccessible": True}, {"publiclyAccessible": False}),
    ("aws:rds/cluster:Cluster", {}, {"publiclyAccessible": False}),
    ("aws:rds/shardGroup:ShardGroup", {}, {"publiclyAccessible": False}),
    ("aws:dms/instanceProfile:InstanceProfile", {}, {"publiclyAccessible": False}),
    ("aws:dms/replicationInstance:ReplicationInstance", {"publiclyAccessible": True}, {"publiclyAccessible": False}),
    ("aws:lightsail/database:Database", {}, {"publiclyAccessible": False}),
    ("aws:m2/environment:Environment", {"publiclyAccessible": True}, {"publiclyAccessible": False}),
    ("aws:mq/broker:Broker", {"publiclyAccessible": True}, {"publiclyAccessible": False}),
    ("aws:redshiftserverless/workgroup:Workgroup", {}, {"publiclyAccessible": False}),
    ("aws:timestreaminfluxdb/dbCluster:DbCluster", {"publiclyAccessible": True}, {"publiclyAccessible": False}),
    ("aws:timestreaminfluxdb/dbInstance:DbInstance", {}, {"publiclyAccessible": False}),
    ("aws:ec2/eip:Eip", {"instance": "i-0123456789abcdef0"}, {"domain": "vpc"}),
    ("aws:ec2/eip:Eip", {"networkInterface": UNKNOWN}, {"domain": "vpc"}),
]


@pytest.mark.parametrize("type_token, public, private", PUBLIC, ids=[f"{t}-{i}" for i, (t, *_) in enumerate(PUBLIC)])
def test_every_public_address_input_fires_and_private_passes(pack, type_token, public, private):
    found = violations(pack, "no-public-ip-address", resource(type_token, public))
    assert len(found) == 1 and "gets a public address" in found[0].message, found
    assert violations(pack, "no-public-ip-address", resource(type_token, private)) == []


def test_elastic_ip_association_always_fires(pack):
    found = violations(pack, "no-public-ip-address", resource(
        "aws:ec2/eipAssociation:EipAssociation", {"allocationId": "eipalloc-1", "instanceId": "i-1"}))
    assert found and "associates an Elastic IP" in found[0].message


@pytest.mark.parametrize("value", ["yes", "on", "2x", {"a": 1}])
def test_a_value_the_provider_cannot_read_as_a_boolean_is_reported(pack, value):
    found = violations(pack, "no-public-ip-address", resource(INSTANCE, {"associatePublicIpAddress": value}))
    assert len(found) == 1 and "does not read as a boolean" in found[0].message


@pytest.mark.parametrize("cidrs", [
    ["0.0.0.0/1", "128.0.0.0/1"],
    ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2",
     "128.0.0.0/1"],  # everything but 10.0.0.0/8, which is not the internet anyway
])
def test_cidrs_that_add_up_to_the_internet_fire(pack, cidrs):
    group = resource(SG, {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": cidrs[:1]},
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": cidrs[1:]}]})
    found = violations(pack, "security-group-no-public-ingress", group)
    assert len(found) == 1 and "the IPv4 internet" in found[0].message
    rule = resource(SG_RULE, {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
                              "cidrBlocks": cidrs, "securityGroupId": "sg-1"})
    assert violations(pack, "security-group-no-public-ingress", rule)


def test_half_the_internet_or_private_ranges_alone_pass(pack):
    for cidrs in (["0.0.0.0/1"], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]):
        group = resource(SG, {"vpcId": "vpc-1", "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": cidrs}]})
        assert violations(pack, "security-group-no-public-ingress", group) == []


def test_ipv6_global_unicast_is_the_internet(pack):
    rule = resource(INGRESS_RULE, {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv6": "2000::/3",
                                   "securityGroupId": "sg-1"})
    found = violations(pack, "security-group-no-public-ingress", rule)
    assert found and "the IPv6 internet" in found[0].message


def test_a_malformed_cidr_is_reported_not_passed(pack):
    rule = resource(SG_RULE, {"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
                              "cidrBlocks": ["0.0.0.0/00x"], "securityGroupId": "sg-1"})
    found = violations(pack, "security-group-no-public-ingress", rule)
    assert found and "does not read as a CIDR block" in found[0].message
