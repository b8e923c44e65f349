"""The network topology ZoneNetwork intends, built with boto3 against moto (decorator mode) from the
components' own settings (subnet plan, NACL rules, tier tags), read back, and judged by the
evidence checks that prove RAZ-NET-001/003/006 on a live account.

moto gaps (see ../shared/reference/moto.md): no Network Firewall policies or endpoints, so each
firewall endpoint is stood in for by a Gateway Load Balancer endpoint (what a firewall endpoint is
underneath), and a route to it (VpcEndpointId) comes back as GatewayId.
"""
from __future__ import annotations

import io

import boto3
import pytest

from tests.helpers import offline_aws
from components.log_groups import cloudwatch_retention
from components.private_network import nacl_rules
from components.egress_firewall import INTERNET_PORTS
from components.subnet_plan import plan_subnets
from regzone.evidence.model import Status
from regzone.evidence.runner import Progress, ScanOptions, scan
from regzone.tags import TAG_TIER, TAG_ZONE, TIER_EGRESS, TIER_FIREWALL, TIER_WORKLOAD

REGION = "eu-west-1"
ZONE = "dev-ai"
RETENTION = cloudwatch_retention(365)
pytestmark = pytest.mark.slow  # each test builds a VPC in moto and runs the evidence scan (several seconds)


@pytest.fixture
def session(monkeypatch):
    with offline_aws(monkeypatch, REGION):
        yield boto3.Session(region_name=REGION)


def _tags(resource_type: str, **extra: str) -> list[dict]:
    return [{"ResourceType": resource_type,
             "Tags": [{"Key": k, "Value": v} for k, v in {TAG_ZONE: ZONE, **extra}.items()]}]


def build_network(session: boto3.Session, *, internet: bool) -> dict:
    """What ZoneNetwork creates, minus what moto cannot model (the firewall itself)."""
    ec2, logs, kms = (session.client(n) for n in ("ec2", "logs", "kms"))
    plan = plan_subnets("10.40.0.0/16", 2, internet_egress=internet)
    azs = [f"{REGION}a", f"{REGION}b"]
    vpc = ec2.create_vpc(CidrBlock=str(plan.vpc), TagSpecifications=_tags("vpc"))["Vpc"]["VpcId"]
    ids: dict = {"vpc": vpc, "subnets": {}, "tables": {}}
    for tier, cidrs in ((TIER_WORKLOAD, plan.workload), (TIER_FIREWALL, plan.firewall), (TIER_EGRESS, plan.egress)):
        for index, cidr in enumerate(cidrs):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=str(cidr), AvailabilityZone=azs[index],
                                       TagSpecifications=_tags("subnet", **{TAG_TIER: tier}))["Subnet"]["SubnetId"]
            table = ec2.create_route_table(VpcId=vpc, TagSpecifications=_tags("route-table", **{TAG_TIER: tier}))
            table_id = table["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet)
            ids["subnets"].setdefault(tier, []).append(subnet)
            ids["tables"].setdefault(tier, []).append(table_id)

    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ingress, egress = nacl_rules(str(plan.vpc), INTERNET_PORTS if internet else ())
    for egress_flag, rules in ((False, ingress), (True, egress)):
        for rule in rules:
            ports = {"PortRange": {"From": rule["from_port"], "To": rule["to_port"]}} if rule["protocol"] == "tcp" else {}
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=rule["rule_no"], Egress=egress_flag,
                                         Protocol="6" if rule["protocol"] == "tcp" else "-1", RuleAction="allow",
                                         CidrBlock=rule["cidr_block"], **ports)
    ids["acl"] = acl

    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                       {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if default_sg["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissions"])
    ec2.revoke_security_group_egress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissionsEgress"])

    if internet:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        ids["igw"] = igw
        for index in range(len(plan.workload)):
            allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nat = ec2.create_nat_gateway(SubnetId=ids["subnets"][TIER_EGRESS][index],
                                         AllocationId=allocation)["NatGateway"]["NatGatewayId"]
            endpoint = ec2.create_vpc_endpoint(
                VpcId=vpc, VpcEndpointType="GatewayLoadBalancer", SubnetIds=[ids["subnets"][TIER_FIREWALL][index]],
                ServiceName=f"com.amazonaws.vpce.{REGION}.vpce-svc-0firewall{index}")["VpcEndpoint"]["VpcEndpointId"]
            ids.setdefault("firewall_endpoints", []).append(endpoint)
            ec2.create_route(RouteTableId=ids["tables"][TIER_WORKLOAD][index], DestinationCidrBlock="0.0.0.0/0",
                             VpcEndpointId=endpoint)
            ec2.create_route(RouteTableId=ids["tables"][TIER_FIREWALL][index], DestinationCidrBlock="0.0.0.0/0",
                             NatGatewayId=nat)
            ec2.create_route(RouteTableId=ids["tables"][TIER_EGRESS][index], DestinationCidrBlock="0.0.0.0/0",
                             GatewayId=igw)

    key = kms.create_key(Description=f"{ZONE} audit")["KeyMetadata"]["Arn"]
    group = f"/regzone/{ZONE}/vpc-flow-logs"
    logs.create_log_group(logGroupName=group, kmsKeyId=key, tags={TAG_ZONE: ZONE})
    logs.put_retention_policy(logGroupName=group, retentionInDays=RETENTION)
    ids["flow_log"] = ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="cloud-watch-logs",
        LogGroupName=group, DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
        MaxAggregationInterval=60)["FlowLogIds"][0]
    return ids


def evidence(session, *checks: str):
    options = ScanOptions(regions=(REGION,), zone=ZONE, min_retention_days=365, checks=checks, max_attempts=1)
    return scan(options, session, Progress(io.StringIO())).findings


def routes_of(session, table_id: str) -> list[dict]:
    (table,) = session.client("ec2").describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return [r for r in table["Routes"] if r.get("GatewayId") != "local"]


def test_topology_reads_back_as_built(session):
    ids = build_network(session, internet=True)
    ec2 = session.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["Subnets"]
    assert len(subnets) == 6 and not any(s["MapPublicIpOnLaunch"] for s in subnets)
    for table, endpoint in zip(ids["tables"][TIER_WORKLOAD], ids["firewall_endpoints"]):
        # moto quirk: the firewall endpoint (VpcEndpointId) comes back as GatewayId.
        assert [(r["DestinationCidrBlock"], r.get("GatewayId")) for r in routes_of(session, table)] == [
            ("0.0.0.0/0", endpoint)]
    assert all(routes_of(session, t)[0].get("NatGatewayId", "").startswith("nat-") for t in ids["tables"][TIER_FIREWALL])
    assert all(routes_of(session, t)[0]["GatewayId"] == ids["igw"] for t in ids["tables"][TIER_EGRESS])
    (acl,) = ec2.describe_network_acls(NetworkAclIds=[ids["acl"]])["NetworkAcls"]
    world_out = sorted(e["PortRange"]["From"] for e in acl["Entries"]
                       if e["Egress"] and e["CidrBlock"] == "0.0.0.0/0" and e["RuleAction"] == "allow")
    assert world_out == [80, 443]
    (flow,) = ec2.describe_flow_logs(FlowLogIds=[ids["flow_log"]])["FlowLogs"]
    assert flow["TrafficType"] == "ALL" and flow["LogGroupName"] == f"/regzone/{ZONE}/vpc-flow-logs"


@pytest.mark.parametrize("internet", [True, False], ids=["egress", "air-gapped"])
def test_evidence_checks_pass_on_the_intended_topology(session, internet):
    build_network(session, internet=internet)
    findings = evidence(session, "vpc_regulated_subnet_no_igw_route", "vpc_flow_logs_enabled",
                        "vpc_default_security_group_closed", "logs_log_group_kms_encryption", "logs_log_group_retention")
    by_check = {}  # findings repeat per catalog control that names the check: judge distinct resources
    for finding in findings:
        by_check.setdefault(finding.check, {})[finding.resource] = finding.status
    assert set(by_check) == {"vpc_regulated_subnet_no_igw_route", "vpc_flow_logs_enabled",
                             "vpc_default_security_group_closed", "logs_log_group_kms_encryption",
                             "logs_log_group_retention"}
    assert len(by_check["vpc_regulated_subnet_no_igw_route"]) == 2  # the workload subnets only
    assert all(status == Status.PASS for statuses in by_check.values() for status in statuses.values()), findings


def test_air_gapped_topology_has_no_internet_gateway_or_nat(session):
    ids = build_network(session, internet=False)
    ec2 = session.client("ec2")
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [ids["vpc"]]}])[
        "InternetGateways"] == []
    assert ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["NatGateways"] == []
    assert all(routes_of(session, t) == [] for t in ids["tables"][TIER_WORKLOAD])


def test_workload_route_to_the_internet_gateway_fails_the_evidence_check(session):
    ids = build_network(session, internet=True)
    session.client("ec2").replace_route(RouteTableId=ids["tables"][TIER_WORKLOAD][0],
                                        DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"])
    findings = evidence(session, "vpc_regulated_subnet_no_igw_route")
    failing = {f.resource: f for f in findings if f.status == Status.FAIL}
    (finding,) = failing.values()
    assert ids["subnets"][TIER_WORKLOAD][0] in finding.resource and ids["igw"] in finding.message
