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
    "ec2-instance-no-public-ip": (INSTANCE, {"instanceType": "m6a.large", "associatePublicIpAddress": False}),
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
    ("ec2-instance-no-public-ip", {"associatePublicIpAddress": True}, "associates a public IP"),
    ("security-group-no-public-ingress", {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                                       "cidrBlocks": ["0.0.0.0/0"]}]}, "admits 0.0.0.0/0"),
    ("security-group-no-public-ingress", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                                       "ipv6CidrBlocks": ["::/0"]}]}, "admits ::/0"),
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
               "cidrBlocks": ["0.0.0.0/0"], "securityGroupId": "sg-1"}, "admits 0.0.0.0/0"),
    (INGRESS_RULE, {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv6": "::/0",
                    "securityGroupId": "sg-1"}, "admits ::/0"),
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
    ("ec2-instance-no-public-ip", {"associatePublicIpAddress": UNKNOWN}),
])
def test_unknown_values_are_reported_not_passed(pack, policy, changes):
    found = violations(pack, policy, changed(policy, **changes))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "cannot be verified at preview" in found[0].message

