"""Network resource policies (controls RAZ-NET-002..004): nothing in a zone is reachable from the
internet. No public IPs on subnets or instances (launch templates: compute.py); no security group ingress from
0.0.0.0/0 or ::/0; internal load balancers only, with TLS 1.2 or newer.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from regulated_ai.framework import ResourceView, Unverifiable, is_unknown, resource_policy
from regulated_ai.types import (CLASSIC_LOAD_BALANCERS, EC2_INSTANCES, LISTENERS,
                                LOAD_BALANCERS_V2, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_RULE,
                                SECURITY_GROUPS, SUBNETS)

# ELB security policies whose minimum protocol is TLS 1.2 or 1.3, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06,
# ELBSecurityPolicy-TLS-1-2-Ext-2018-06, ELBSecurityPolicy-FS-1-2-Res-2020-10. Anything else (such as
# the API default ELBSecurityPolicy-2016-08) admits TLS 1.0/1.1.
_TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13|TLS|FS)-1-[23](-|$)")


def _truthy(value: Any) -> bool:
    """Some providers' booleans arrive as strings ("true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _known_items(values: Any, path: str) -> list:
    """A list whose elements must all be known (an unknown element cannot be judged)."""
    if is_unknown(values):
        raise Unverifiable(path)
    items = values if isinstance(values, list) else [] if values is None else [values]
    for index, item in enumerate(items):
        if is_unknown(item):
            raise Unverifiable(f"{path}.{index}")
    return items


def _open_to_world(cidr: Any) -> bool:
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


@resource_policy(
    "subnet-no-public-ip",
    description="Subnets must not give instances public IPv4 addresses on launch.",
    controls=["RAZ-NET-002"], types=SUBNETS)
def subnet_no_public_ip(subnet: ResourceView) -> Iterator[str]:
    # AWS's default subnets map public IPs unless told otherwise.
    default = subnet.type.endswith("DefaultSubnet")
    if _truthy(subnet.known("mapPublicIpOnLaunch", default)):
        yield (f"subnet '{subnet.name}' maps public IPs on launch: every instance in it is reachable from the "
               "internet through an internet gateway. Set mapPublicIpOnLaunch to false.")


@resource_policy(
    "ec2-instance-no-public-ip",
    description="Instances must not associate public IP addresses (launch templates: ec2-launch-template-no-public-ip).",
    controls=["RAZ-NET-002"], types=EC2_INSTANCES)
def ec2_instance_no_public_ip(instance: ResourceView) -> Iterator[str]:
    if _truthy(instance.known("associatePublicIpAddress", False)):
        yield (f"instance '{instance.name}' associates a public IP; set associatePublicIpAddress to false "
               "and reach it through SSM or a private load balancer.")


def _world_cidrs(resource: ResourceView, rule: dict | None, prefix: str, keys: tuple[str, ...]) -> list[str]:
    found = []
    for key in keys:
        path = f"{prefix}{key}"
        values = resource.get(path) if rule is None else rule.get(key)
        found += [c for c in _known_items(values, path) if _open_to_world(c)]
    return found


@resource_policy(
    "security-group-no-public-ingress",
    description="Security groups and ingress rules must not admit traffic from 0.0.0.0/0 or ::/0.",
    controls=["RAZ-NET-003"], types=(*SECURITY_GROUPS, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE))
def security_group_no_public_ingress(resource: ResourceView) -> Iterator[str]:
    if resource.type in SECURITY_GROUPS:
        rules = _known_items(resource.get("ingress", []), "ingress")
        for index, rule in enumerate(rules):
            world = _world_cidrs(resource, rule, f"ingress.{index}.", ("cidrBlocks", "ipv6CidrBlocks"))
            if world:
                yield (f"security group '{resource.name}' ingress rule {index} admits {', '.join(world)}: "
                       "allow only the zone's own CIDRs or security groups.")
        return
    if resource.type == SECURITY_GROUP_RULE:
        if resource.known("type") != "ingress":
            return
        world = _world_cidrs(resource, None, "", ("cidrBlocks", "ipv6CidrBlocks"))
    else:
        world = [c for c in (resource.known("cidrIpv4"), resource.known("cidrIpv6")) if c and _open_to_world(c)]
    if world:
        yield (f"ingress rule '{resource.name}' admits {', '.join(world)}: "
               "allow only the zone's own CIDRs or security groups.")


@resource_policy(
    "load-balancer-internal-only",
    description="Load balancers must be internal: model endpoints are never internet-facing.",
    controls=["RAZ-NET-004"], types=(*LOAD_BALANCERS_V2, *CLASSIC_LOAD_BALANCERS))
def load_balancer_internal_only(lb: ResourceView) -> Iterator[str]:
    if lb.known("internal", False) is not True:
        yield (f"load balancer '{lb.name}' is internet-facing (internal is not true); set internal to true and "
               "expose models only on the private network.")


def _redirects_to_https(actions: list) -> bool:
    return bool(actions) and all(isinstance(a, dict) and a.get("type") == "redirect"
                                 and str((a.get("redirect") or {}).get("protocol", "")).upper() == "HTTPS"
                                 for a in actions)


@resource_policy(
    "load-balancer-listener-tls",
    description="Load balancer listeners must use TLS 1.2 or newer; plain HTTP may only redirect to HTTPS.",
    controls=["RAZ-NET-004"], types=(*LISTENERS, *CLASSIC_LOAD_BALANCERS))
def load_balancer_listener_tls(resource: ResourceView) -> Iterator[str]:
    if resource.type in CLASSIC_LOAD_BALANCERS:
        for index, listener in enumerate(_known_items(resource.get("listeners", []), "listeners")):
            if isinstance(listener, dict) and str(listener.get("lbProtocol", "")).lower() == "http":
                yield (f"classic load balancer '{resource.name}' listener {index} serves plain HTTP; "
                       "use an ALB or NLB with an HTTPS/TLS listener and a TLS 1.2+ policy.")
        return
    protocol = resource.known("protocol")
    if protocol is None:
        yield (f"listener '{resource.name}' sets no protocol (an ALB then serves plain HTTP); "
               "set protocol to HTTPS or TLS.")
    elif str(protocol).upper() == "HTTP":
        actions = _known_items(resource.get("defaultActions", []), "defaultActions")
        if not _redirects_to_https(actions):
            yield (f"listener '{resource.name}' serves plain HTTP; use HTTPS, or make every default action a "
                   "redirect to HTTPS.")
    elif str(protocol).upper() in ("HTTPS", "TLS"):
        policy = resource.known("sslPolicy")
        if not policy or not _TLS12_POLICY.match(str(policy)):
            shown = repr(policy) if policy else "not set (the API default admits TLS 1.0)"
            yield (f"listener '{resource.name}' TLS policy is {shown}; use a TLS 1.2+ policy such as "
                   "ELBSecurityPolicy-TLS13-1-2-2021-06.")
