"""The DNS names a zone may resolve (control RAZ-NET-008), in Route 53 Resolver DNS Firewall's form.

DNS Firewall domain specifications are explicit names, optionally starting with `*` (Route 53
developer guide, "Managing your own domain lists"); `*.example.com` matches the subdomains of
example.com but not example.com itself, which must be listed too ("Route 53 Resolver DNS Firewall
walled garden example"). Network Firewall's leading dot (`.example.com`: the name and every
subdomain, RulesSourceList reference) therefore becomes both `example.com` and `*.example.com`.

Besides the egress allow-list, a zone relies on these AWS names, every one answered inside AWS:
- each interface endpoint's private DNS name (the AWS SDKs' default endpoint for the service,
  which private DNS points at the endpoint);
- S3 through the gateway endpoint (the regional endpoint and its virtual-hosted bucket names, and
  in us-east-1 the global `s3.amazonaws.com` that the SDKs use there by default; ECR image layers
  come from a bucket of the region);
- the private EKS API endpoint `<id>.<region>.eks.amazonaws.com` (EKS user guide, "Cluster API
  server endpoint", IPv4 format), answered by the private hosted zone EKS creates;
- EC2's internal names (`<region>.compute.internal`, `ec2.internal` in us-east-1) and the reverse
  zones of the VPC CIDR, for which Resolver creates autodefined rules answered by the VPC's own
  name servers (Route 53 developer guide, "Domain names that Resolver creates autodefined system
  rules for"). Node hostnames and the pods' search-list expansions resolve there.
The cluster's own names (`cluster.local`) are answered by CoreDNS and never reach the Resolver.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

# Interface endpoint services whose SDK endpoint is not `<service>.<region>.amazonaws.com`
# (botocore 1.x endpoint rule sets: ECR's API is `api.ecr.<region>.amazonaws.com`, EKS Auth is
# `eks-auth.<region>.api.aws`); the registry hostnames are `<account>.dkr.ecr.<region>.amazonaws.com`
# (ECR user guide, "Amazon ECR interface VPC endpoints").
_ENDPOINT_NAMES = {
    "ecr.api": ("api.ecr.{region}.amazonaws.com",),
    "ecr.dkr": ("*.dkr.ecr.{region}.amazonaws.com",),
    "eks-auth": ("eks-auth.{region}.api.aws",),
}
# Resolver's autodefined rules: us-east-1 uses ec2.internal, every other Region <region>.compute.internal.
_US_EAST_1 = "us-east-1"


def subdomains(name: str) -> list[str]:
    """`name` and every subdomain of it."""
    return [name, f"*.{name}"]


def allow_list_names(allowed_destinations: Iterable[str]) -> list[str]:
    """The egress allow-list (Network Firewall forms) as DNS Firewall domain specifications."""
    names: set[str] = set()
    for destination in allowed_destinations:
        if destination.startswith("*"):
            raise ValueError(f"allow-list entry {destination!r} is not a Network Firewall domain form; "
                             "valid: 'api.example.com' or '.example.com'")
        if destination.startswith("."):
            names.update(subdomains(destination[1:]))
        else:
            names.add(destination)
    return sorted(names)


def endpoint_names(region: str, services: Iterable[str]) -> list[str]:
    """The names the interface endpoints of `services` answer through private DNS."""
    names: set[str] = set()
    for service in services:
        patterns = _ENDPOINT_NAMES.get(service, (f"{service}.{{region}}.amazonaws.com",))
        names.update(p.format(region=region) for p in patterns)
    return sorted(names)


def s3_names(region: str) -> list[str]:
    names = subdomains(f"s3.{region}.amazonaws.com")
    if region == _US_EAST_1:
        names += subdomains("s3.amazonaws.com")
    return sorted(names)


def internal_names(region: str, vpc_cidr: str) -> list[str]:
    """EC2's internal host names and the reverse zones of the VPC CIDR (one per /16 or /24)."""
    host_zone = "ec2.internal" if region == _US_EAST_1 else f"{region}.compute.internal"
    network = ipaddress.IPv4Network(vpc_cidr)
    if network.prefixlen <= 16:
        blocks, octets = network.subnets(new_prefix=16), 2
    elif network.prefixlen <= 24:
        blocks, octets = network.subnets(new_prefix=24), 3
    else:
        blocks, octets = [network.supernet(new_prefix=24)], 3
    reverse = {".".join(reversed(str(b.network_address).split(".")[:octets])) + ".in-addr.arpa" for b in blocks}
    return sorted({*subdomains(host_zone), *(f"*.{zone}" for zone in reverse)})


def aws_names(*, region: str, vpc_cidr: str, interface_services: Sequence[str], cluster: bool) -> list[str]:
    """Every AWS name the zone relies on: what its endpoints serve, S3, EC2's internal names and,
    with a cluster, the private EKS API endpoint."""
    names = {*endpoint_names(region, interface_services), *s3_names(region), *internal_names(region, vpc_cidr)}
    if cluster:
        names.add(f"*.{region}.eks.amazonaws.com")
    return sorted(names)
