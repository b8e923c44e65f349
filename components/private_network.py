"""The zone's private VPC (controls RAZ-NET-001..003): subnets that never map public IPs, a closed
default security group and default NACL, and a zone NACL that denies what the zone does not need.

Routes to the internet are not made here: a private network has only the VPC's local route; the
egress firewall (components/egress_firewall.py) adds the one allow-listed path when the zone has one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.subnet_plan import SubnetPlan
from regzone.tags import TAG_TIER, TIER_EGRESS, TIER_FIREWALL, TIER_WORKLOAD

EPHEMERAL_PORTS = (1024, 65535)
ANYWHERE = "0.0.0.0/0"


@dataclass
class PrivateNetworkArgs:
    zone_name: str
    plan: SubnetPlan
    availability_zones: list[pulumi.Input[str]]
    # Destination ports the zone may open to the internet (through the firewall); empty when air-gapped.
    internet_ports: tuple[int, ...] = ()
    # S3's public ranges (its managed prefix list): the S3 gateway endpoint's traffic goes there, and
    # NACLs cannot name a prefix list. Needed only when the internet ports do not already cover it.
    s3_cidrs: pulumi.Input[Sequence[str]] = ()


def nacl_rules(vpc_cidr: str, internet_ports: tuple[int, ...],
               s3_cidrs: Sequence[str] = ()) -> tuple[list[dict], list[dict]]:
    """(ingress, egress) NACL rules: anything inside the VPC, the allowed ports out (or, air-gapped,
    HTTPS to S3's ranges only) and their replies back. Everything else hits the implicit deny."""
    ingress = [{"rule_no": 100, "action": "allow", "protocol": "-1", "cidr_block": vpc_cidr, "from_port": 0, "to_port": 0}]
    egress = [{"rule_no": 100, "action": "allow", "protocol": "-1", "cidr_block": vpc_cidr, "from_port": 0, "to_port": 0}]
    if internet_ports:
        ingress.append({"rule_no": 200, "action": "allow", "protocol": "tcp", "cidr_block": ANYWHERE,
                        "from_port": EPHEMERAL_PORTS[0], "to_port": EPHEMERAL_PORTS[1]})
        for offset, port in enumerate(sorted(internet_ports)):
            egress.append({"rule_no": 200 + 10 * offset, "action": "allow", "protocol": "tcp",
                           "cidr_block": ANYWHERE, "from_port": port, "to_port": port})
        return ingress, egress
    for offset, cidr in enumerate(sorted(s3_cidrs or ())):
        ingress.append({"rule_no": 300 + 10 * offset, "action": "allow", "protocol": "tcp", "cidr_block": cidr,
                        "from_port": EPHEMERAL_PORTS[0], "to_port": EPHEMERAL_PORTS[1]})
        egress.append({"rule_no": 300 + 10 * offset, "action": "allow", "protocol": "tcp", "cidr_block": cidr,
                       "from_port": 443, "to_port": 443})
    return ingress, egress


class PrivateNetwork(pulumi.ComponentResource):
    """VPC, tiered subnets and route tables (tagged `regzone:tier`), NACLs and the closed default SG."""

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    workload_subnet_ids: list[pulumi.Output[str]]
    firewall_subnet_ids: list[pulumi.Output[str]]
    egress_subnet_ids: list[pulumi.Output[str]]
    route_tables: dict[str, list[aws.ec2.RouteTable]]

    def __init__(self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:network:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = args.plan
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=str(plan.vpc), enable_dns_support=True,
                               enable_dns_hostnames=True, instance_tenancy="default",
                               tags={"Name": args.zone_name}, opts=child)
        self.vpc_id = self.vpc.id

        # Adopted by Pulumi so that its allow-all rules are removed: nothing may use the default SG.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags={"Name": f"{args.zone_name}-default-closed"}, opts=child)
        # Subnets not associated with the zone NACL fall back to the default NACL: deny everything.
        aws.ec2.DefaultNetworkAcl(f"{name}-default-nacl", default_network_acl_id=self.vpc.default_network_acl_id,
                                  ingress=[], egress=[], tags={"Name": f"{args.zone_name}-default-deny"},
                                  opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnetIds"]))

        self.route_tables = {TIER_WORKLOAD: [], TIER_FIREWALL: [], TIER_EGRESS: []}
        subnet_ids: dict[str, list[pulumi.Output[str]]] = {TIER_WORKLOAD: [], TIER_FIREWALL: [], TIER_EGRESS: []}
        for tier, cidrs in ((TIER_WORKLOAD, plan.workload), (TIER_FIREWALL, plan.firewall), (TIER_EGRESS, plan.egress)):
            for index, cidr in enumerate(cidrs):
                label = f"{name}-{tier}-{index}"
                subnet = aws.ec2.Subnet(label, vpc_id=self.vpc.id, cidr_block=str(cidr),
                                        availability_zone=args.availability_zones[index],
                                        map_public_ip_on_launch=False, assign_ipv6_address_on_creation=False,
                                        tags={"Name": label, TAG_TIER: tier}, opts=child)
                table = aws.ec2.RouteTable(f"{label}-rt", vpc_id=self.vpc.id,
                                           tags={"Name": f"{label}-rt", TAG_TIER: tier}, opts=child)
                aws.ec2.RouteTableAssociation(f"{label}-rta", subnet_id=subnet.id, route_table_id=table.id,
                                              opts=child)
                subnet_ids[tier].append(subnet.id)
                self.route_tables[tier].append(table)
        self.workload_subnet_ids = subnet_ids[TIER_WORKLOAD]
        self.firewall_subnet_ids = subnet_ids[TIER_FIREWALL]
        self.egress_subnet_ids = subnet_ids[TIER_EGRESS]

        rules = pulumi.Output.from_input(args.s3_cidrs).apply(
            lambda cidrs: nacl_rules(str(plan.vpc), args.internet_ports, cidrs or ()))
        aws.ec2.NetworkAcl(f"{name}-nacl", vpc_id=self.vpc.id,
                           subnet_ids=[*self.workload_subnet_ids, *self.firewall_subnet_ids, *self.egress_subnet_ids],
                           ingress=rules[0], egress=rules[1], tags={"Name": f"{args.zone_name}-zone"}, opts=child)

        self.register_outputs({"vpc_id": self.vpc_id, "workload_subnet_ids": self.workload_subnet_ids,
                               "firewall_subnet_ids": self.firewall_subnet_ids,
                               "egress_subnet_ids": self.egress_subnet_ids})
