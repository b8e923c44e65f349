"""The network components' own logic: NACL rules, endpoint and delivery policies, firewall endpoint
lookup, the DNS names a zone resolves, and the components' guards, each without a stack."""
import json
from types import SimpleNamespace

import pytest

from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.dns_names import allow_list_names, aws_names, endpoint_names, internal_names, s3_names
from components.egress_firewall import EgressFirewall, EgressFirewallArgs, firewall_endpoints_by_az
from components.flow_logs import delivery_policy, delivery_trust_policy
from components.private_network import nacl_rules
from components.vpc_endpoints import INTERFACE_SERVICES, endpoint_policy

ACCOUNT = "111122223333"


def test_air_gapped_nacl_admits_only_the_vpc():
    ingress, egress = nacl_rules("10.40.0.0/16", ())
    assert [r["cidr_block"] for r in ingress + egress] == ["10.40.0.0/16", "10.40.0.0/16"]


def test_air_gapped_nacl_reaches_s3_gateway_ranges_on_https_only():
    ingress, egress = nacl_rules("10.40.0.0/16", (), ["52.218.0.0/17", "3.5.64.0/21"])
    assert [(r["cidr_block"], r["from_port"], r["to_port"]) for r in egress[1:]] == [
        ("3.5.64.0/21", 443, 443), ("52.218.0.0/17", 443, 443)]
    assert {(r["from_port"], r["to_port"]) for r in ingress[1:]} == {(1024, 65535)}
    assert "0.0.0.0/0" not in {r["cidr_block"] for r in ingress + egress}


def test_egress_nacl_opens_only_the_allowed_ports_and_replies():
    ingress, egress = nacl_rules("10.40.0.0/16", (443, 80))
    world_in = [(r["protocol"], r["from_port"], r["to_port"]) for r in ingress if r["cidr_block"] == "0.0.0.0/0"]
    world_out = [(r["protocol"], r["from_port"], r["to_port"]) for r in egress if r["cidr_block"] == "0.0.0.0/0"]
    assert world_in == [("tcp", 1024, 65535)]
    assert world_out == [("tcp", 80, 80), ("tcp", 443, 443)]
    numbers = [r["rule_no"] for r in egress]
    assert len(numbers) == len(set(numbers))


@pytest.mark.parametrize("service", INTERFACE_SERVICES)
def test_interface_endpoint_policies_admit_only_the_zone_account(service):
    statements = json.loads(endpoint_policy(service, ACCOUNT, "eu-west-1"))["Statement"]
    assert statements[0]["Condition"]["StringEquals"] == {"aws:PrincipalAccount": ACCOUNT}
    for statement in statements:
        assert statement["Effect"] == "Allow" and "Condition" in statement


def test_s3_endpoint_limits_buckets_to_the_zone_account_plus_ecr_layers():
    statements = json.loads(endpoint_policy("s3", ACCOUNT, "eu-west-1"))["Statement"]
    assert statements[0]["Condition"]["StringEquals"]["aws:ResourceAccount"] == ACCOUNT
    (layers,) = [s for s in statements if "Condition" not in s]
    assert layers["Action"] == "s3:GetObject"
    assert layers["Resource"] == "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"


def test_s3_endpoint_admits_the_al2023_repository_only_for_nodes_that_install_packages():
    """Nitro Enclaves nodes install the enclave CLI from AL2023's repository at boot (dnf, no
    credentials); other zones keep the endpoint closed to it."""
    def repository_statements(**flags):
        return [s for s in json.loads(endpoint_policy("s3", ACCOUNT, "eu-west-1", **flags))["Statement"]
                if s.get("Sid") == "AmazonLinux2023Packages"]
    assert repository_statements() == []
    (packages,) = repository_statements(os_repositories=True)
    assert packages["Action"] == "s3:GetObject"
    assert packages["Resource"] == "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*"


def test_sts_endpoint_admits_web_identity_only_into_zone_roles():
    statements = json.loads(endpoint_policy("sts", ACCOUNT, "eu-west-1"))["Statement"]
    web = next(s for s in statements if s["Action"] == "sts:AssumeRoleWithWebIdentity")
    assert web["Condition"]["StringEquals"] == {"aws:ResourceAccount": ACCOUNT}


def test_flow_log_delivery_role_is_bound_to_the_zone_account_and_group():
    trust = json.loads(delivery_trust_policy(ACCOUNT))["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    arn = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/regzone/dev-ai/vpc-flow-logs"
    assert json.loads(delivery_policy(arn))["Statement"][0]["Resource"] == [arn, f"{arn}:*"]


def _status(*pairs):
    return [SimpleNamespace(sync_states=[SimpleNamespace(availability_zone=az, attachments=[
        SimpleNamespace(endpoint_id=endpoint, subnet_id=f"subnet-{az}")]) for az, endpoint in pairs])]


def test_firewall_endpoints_are_found_per_az():
    assert firewall_endpoints_by_az(_status(("eu-west-1a", "vpce-a"), ("eu-west-1b", "vpce-b"))) == {
        "eu-west-1a": "vpce-a", "eu-west-1b": "vpce-b"}
    assert firewall_endpoints_by_az(None) == {}
    assert firewall_endpoints_by_az(_status(("eu-west-1a", None))) == {}


def test_egress_firewall_refuses_an_empty_allow_list():
    args = EgressFirewallArgs(zone_name="z", vpc_id="vpc-1", availability_zones=["a", "b"], allowed_destinations=[],
                              firewall_subnet_ids=[], egress_subnet_ids=[], workload_cidrs=[],
                              workload_route_table_ids=[], firewall_route_table_ids=[], egress_route_table_ids=[],
                              kms_key_arn="arn", log_retention_days=365)
    with pytest.raises(ValueError, match="air-gapped"):
        EgressFirewall("z-egress", args)


def test_leading_dot_allows_the_name_and_every_subdomain_in_dns_firewall_form():
    """Network Firewall's `.example.com` is DNS Firewall's `example.com` plus `*.example.com`."""
    assert allow_list_names([".api.example.com", "model-registry.internal.example.com"]) == [
        "*.api.example.com", "api.example.com", "model-registry.internal.example.com"]
    with pytest.raises(ValueError, match=r"'\*\.evil.example.com' is not a Network Firewall domain form"):
        allow_list_names(["*.evil.example.com"])


def test_endpoint_names_follow_each_service_sdk_endpoint():
    assert endpoint_names("eu-west-1", ["ecr.api", "ecr.dkr", "eks-auth", "kms", "ssmmessages"]) == [
        "*.dkr.ecr.eu-west-1.amazonaws.com", "api.ecr.eu-west-1.amazonaws.com", "eks-auth.eu-west-1.api.aws",
        "kms.eu-west-1.amazonaws.com", "ssmmessages.eu-west-1.amazonaws.com"]


def test_us_east_1_adds_the_global_s3_name_and_uses_ec2_internal():
    assert s3_names("eu-west-1") == ["*.s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"]
    assert "s3.amazonaws.com" in s3_names("us-east-1") and "*.s3.amazonaws.com" in s3_names("us-east-1")
    assert internal_names("us-east-1", "10.40.0.0/16") == ["*.40.10.in-addr.arpa", "*.ec2.internal", "ec2.internal"]


def test_reverse_zones_cover_exactly_the_vpc_cidr():
    """Resolver answers the VPC CIDR's reverse zones itself (autodefined rules), one per /24 below a /16."""
    names = internal_names("eu-west-1", "10.40.4.0/22")
    assert [n for n in names if n.endswith("in-addr.arpa")] == [f"*.{i}.40.10.in-addr.arpa" for i in range(4, 8)]


def test_cluster_zones_also_resolve_the_private_eks_api():
    without = aws_names(region="eu-west-1", vpc_cidr="10.40.0.0/16", interface_services=["eks"], cluster=False)
    with_cluster = aws_names(region="eu-west-1", vpc_cidr="10.40.0.0/16", interface_services=["eks"], cluster=True)
    assert set(with_cluster) - set(without) == {"*.eu-west-1.eks.amazonaws.com"}
    assert "eks.eu-west-1.amazonaws.com" in without and "*" not in with_cluster


def _dns_args(**changes):
    values = dict(zone_name="z", vpc_id="vpc-1", aws_names=["kms.eu-west-1.amazonaws.com"], allowed_names=[],
                  log_kms_key_arn="arn", log_retention_days=365)
    return DnsFirewallArgs(**{**values, **changes})


@pytest.mark.parametrize("changes, message", [
    ({"allowed_names": ["*"]}, "the allow-list names include \\*, which would allow every name"),
    ({"aws_names": ["kms.eu-west-1.amazonaws.com", "*.com"]}, "the aws-services names include \\*.com"),
    ({"aws_names": []}, "no AWS names"),
    ({"allowed_names": [f"h{i}.example.com" for i in range(1001)]}, "1001 allow-list names exceed the 1000"),
])
def test_dns_firewall_refuses_lists_that_would_open_or_break_it(changes, message):
    with pytest.raises(ValueError, match=message):
        DnsFirewall("z-dns", _dns_args(**changes))
