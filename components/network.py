"""ZoneNetwork: the zone's network assembled from its concerns (controls RAZ-NET-*).

Private network and flow logs always; private endpoints always; a DNS firewall always; the egress
firewall (IGW, NAT, Network Firewall) only when the zone has an allow-list. An air-gapped zone
(`air_gapped: true` or an empty allow-list) has no internet gateway, no NAT and no firewall: AWS
only through endpoints, and its DNS firewall resolves only the AWS names those endpoints serve.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.dns_names import allow_list_names, aws_names
from components.egress_firewall import INTERNET_PORTS, EgressFirewall, EgressFirewallArgs
from components.flow_logs import FlowLogs, FlowLogsArgs
from components.private_network import PrivateNetwork, PrivateNetworkArgs
from components.subnet_plan import plan_subnets
from components.vpc_endpoints import VpcEndpoints, VpcEndpointsArgs, interface_services
from regzone.tags import TIER_EGRESS, TIER_FIREWALL, TIER_WORKLOAD


@dataclass
class ZoneNetworkArgs:
    zone_name: str
    region: str
    account_id: pulumi.Input[str]
    vpc_cidr: str
    az_count: int
    allowed_destinations: Sequence[str]
    air_gapped: bool
    log_kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    # The zone's WORM audit bucket and its policy: flow logs are archived there too.
    audit_bucket_arn: pulumi.Input[str]
    audit_bucket_policy: pulumi.Resource
    ssm_endpoints: bool = False
    # The zone has an EKS cluster (its Pod Identity agent needs the EKS Auth endpoint).
    cluster: bool = False
    # Its nodes install OS packages at boot (Nitro Enclaves nodes, components/enclave_user_data.py).
    os_repositories: bool = False


class ZoneNetwork(pulumi.ComponentResource):
    """The zone's VPC, with what other components build on: `vpc_id`, `workload_subnet_ids`,
    `vpc_cidr` and `endpoints_security_group_id`."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    workload_subnet_ids: list[pulumi.Output[str]]
    endpoint_subnet_cidrs: list[str]
    endpoints_security_group_id: pulumi.Output[str]
    egress: EgressFirewall | None
    dns_firewall: DnsFirewall

    def __init__(self, name: str, args: ZoneNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:network:ZoneNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        internet = bool(args.allowed_destinations) and not args.air_gapped
        plan = plan_subnets(args.vpc_cidr, args.az_count, internet_egress=internet)
        zones = aws.get_availability_zones_output(
            state="available", filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self))
        azs = [zones.names[i] for i in range(args.az_count)]

        s3_ranges = () if internet else aws.ec2.get_prefix_list_output(
            name=f"com.amazonaws.{args.region}.s3", opts=pulumi.InvokeOutputOptions(parent=self)).cidr_blocks
        network = PrivateNetwork(f"{name}-private", PrivateNetworkArgs(
            zone_name=args.zone_name, plan=plan, availability_zones=azs,
            internet_ports=INTERNET_PORTS if internet else (), s3_cidrs=s3_ranges), opts=child)
        self.vpc_id = network.vpc_id
        self.vpc_cidr = str(plan.vpc)
        self.workload_subnet_ids = network.workload_subnet_ids
        # The interface endpoints' ENIs live in the workload subnets (VpcEndpoints below).
        self.endpoint_subnet_cidrs = [str(c) for c in plan.workload]
        workload_tables = [t.id for t in network.route_tables[TIER_WORKLOAD]]

        FlowLogs(f"{name}-flow-logs", FlowLogsArgs(
            zone_name=args.zone_name, account_id=args.account_id, vpc_id=network.vpc_id,
            kms_key_arn=args.log_kms_key_arn, retention_days=args.log_retention_days,
            archive_bucket_arn=args.audit_bucket_arn, archive_bucket_policy=args.audit_bucket_policy), opts=child)

        endpoints = VpcEndpoints(f"{name}-endpoints", VpcEndpointsArgs(
            zone_name=args.zone_name, region=args.region, account_id=args.account_id, vpc_id=network.vpc_id,
            vpc_cidr=self.vpc_cidr, subnet_ids=network.workload_subnet_ids, route_table_ids=workload_tables,
            ssm=args.ssm_endpoints, cluster=args.cluster, os_repositories=args.os_repositories), opts=child)
        self.endpoints_security_group_id = endpoints.security_group_id

        self.dns_firewall = DnsFirewall(f"{name}-dns", DnsFirewallArgs(
            zone_name=args.zone_name, vpc_id=network.vpc_id,
            aws_names=aws_names(region=args.region, vpc_cidr=self.vpc_cidr, cluster=args.cluster,
                                interface_services=interface_services(ssm=args.ssm_endpoints, cluster=args.cluster)),
            allowed_names=allow_list_names(args.allowed_destinations) if internet else (),
            log_kms_key_arn=args.log_kms_key_arn, log_retention_days=args.log_retention_days), opts=child)

        self.egress = None
        if internet:
            self.egress = EgressFirewall(f"{name}-egress", EgressFirewallArgs(
                zone_name=args.zone_name, vpc_id=network.vpc_id, availability_zones=azs,
                allowed_destinations=list(args.allowed_destinations),
                firewall_subnet_ids=network.firewall_subnet_ids, egress_subnet_ids=network.egress_subnet_ids,
                workload_cidrs=[str(c) for c in plan.workload], workload_route_table_ids=workload_tables,
                firewall_route_table_ids=[t.id for t in network.route_tables[TIER_FIREWALL]],
                egress_route_table_ids=[t.id for t in network.route_tables[TIER_EGRESS]],
                kms_key_arn=args.log_kms_key_arn, log_retention_days=args.log_retention_days), opts=child)

        self.register_outputs({"vpc_id": self.vpc_id, "vpc_cidr": self.vpc_cidr,
                               "workload_subnet_ids": self.workload_subnet_ids,
                               "endpoints_security_group_id": self.endpoints_security_group_id})
