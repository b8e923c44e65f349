"""Subnet CIDRs of a zone, computed with `ipaddress` (pure: no Pulumi, so config validation can use it).

Layout of the VPC range: workload subnets first, one per AZ, each as large as leaves at least one
equal block free; that next free block holds the small edge subnets (/28 firewall subnets, then
/28 egress subnets, one per AZ each), which exist only when the zone has an internet path.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

# Workload subnets carry EKS nodes and pods (VPC CNI gives every pod a VPC address).
MIN_WORKLOAD_PREFIX = 24
# Network Firewall and NAT gateway subnets need only a few addresses; /28 is the smallest AWS allows.
EDGE_PREFIX = 28


class SubnetPlanError(ValueError):
    """The VPC range cannot hold the requested subnets."""


@dataclass(frozen=True)
class SubnetPlan:
    vpc: ipaddress.IPv4Network
    workload: tuple[ipaddress.IPv4Network, ...]
    firewall: tuple[ipaddress.IPv4Network, ...]
    egress: tuple[ipaddress.IPv4Network, ...]

    def all_subnets(self) -> tuple[ipaddress.IPv4Network, ...]:
        return self.workload + self.firewall + self.egress


def plan_subnets(vpc_cidr: str | ipaddress.IPv4Network, az_count: int, *, internet_egress: bool) -> SubnetPlan:
    """Workload subnets in `az_count` AZs, plus firewall and egress subnets if `internet_egress`."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if az_count < 1:
        raise SubnetPlanError(f"az_count must be at least 1, got {az_count}")
    # One block per AZ plus one spare block for the edge subnets (and future growth).
    workload_prefix = vpc.prefixlen + math.ceil(math.log2(az_count + 1))
    if workload_prefix > MIN_WORKLOAD_PREFIX:
        raise SubnetPlanError(
            f"{vpc} cannot hold {az_count} workload subnets of at least /{MIN_WORKLOAD_PREFIX} plus the "
            f"edge subnets; valid: a prefix of /{MIN_WORKLOAD_PREFIX - math.ceil(math.log2(az_count + 1))} "
            f"or larger for {az_count} AZs")
    blocks = list(vpc.subnets(new_prefix=workload_prefix))
    workload = tuple(blocks[:az_count])
    firewall: tuple[ipaddress.IPv4Network, ...] = ()
    egress: tuple[ipaddress.IPv4Network, ...] = ()
    if internet_egress:
        edge = list(blocks[az_count].subnets(new_prefix=EDGE_PREFIX))
        firewall, egress = tuple(edge[:az_count]), tuple(edge[az_count:2 * az_count])
    return SubnetPlan(vpc=vpc, workload=workload, firewall=firewall, egress=egress)
