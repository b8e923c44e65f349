"""Network resource policies (controls RAZ-NET-002..004): nothing in a zone is reachable from the
internet. No public addresses on subnets, instances or any service that can ask for one (launch
templates: compute.py); no security group ingress that admits the internet, alone or added up across
rules (stack policy below), and nothing but deny in the VPC's default security group and NACL; internal
load balancers only, with TLS 1.2 or newer. What counts as exposure is regulated_ai/exposure.py.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from regulated_ai.addresses import Network, internet_admitted, parse_cidr
from regulated_ai.exposure import (PUBLIC_ADDRESS_INPUTS, ingress_networks, internet_facing, maps_public_ips,
                                   open_ingress, public_addresses)
from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, unverifiable, resource_policy, stack_policy
from regulated_ai.types import (CLASSIC_LOAD_BALANCERS, DEFAULT_NETWORK_ACL, DEFAULT_SECURITY_GROUP, EC2_EIP,
                                EC2_EIP_ASSOCIATION, LAUNCH_TEMPLATE, LISTENERS, LOAD_BALANCERS_V2,
                                MANAGED_PREFIX_LIST, MANAGED_PREFIX_LIST_ENTRY, NETWORK_ACL_RULE,
                                SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_RULE, SECURITY_GROUP_RULES,
                                SECURITY_GROUPS, SUBNETS, VPC)
from regulated_ai.values import values_at

# ELB security policies whose minimum protocol is TLS 1.2 or 1.3, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06,
# ELBSecurityPolicy-TLS-1-2-Ext-2018-06, ELBSecurityPolicy-FS-1-2-Res-2020-10. Anything else (such as
# the API default ELBSecurityPolicy-2016-08) admits TLS 1.0/1.1.
_TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13|TLS|FS)-1-[23](-|$)")


def _known_items(values: Any, path: str) -> list:
    """A list whose elements must all be known (an unknown element cannot be judged)."""
    if is_unknown(values):
        raise unverifiable(values, path)
    items = values if isinstance(values, list) else [] if values is None else [values]
    for index, item in enumerate(items):
        if is_unknown(item):
            raise unverifiable(item, f"{path}.{index}")
    return items


@resource_policy(
    "subnet-no-public-ip",
    description="Subnets must not give instances public IPv4 addresses on launch.",
    controls=["RAZ-NET-002"], types=SUBNETS)
def subnet_no_public_ip(subnet: ResourceView) -> Iterator[str]:
    if maps_public_ips(subnet):
        yield (f"subnet '{subnet.name}' maps public IPs on launch: every instance in it is reachable from the "
               "internet through an internet gateway. Set mapPublicIpOnLaunch to false.")


# Launch templates have their own, stricter policy (ec2-launch-template-no-public-ip, compute.py).
PUBLIC_ADDRESS_TYPES = (*(t for t in PUBLIC_ADDRESS_INPUTS if t != LAUNCH_TEMPLATE), EC2_EIP, EC2_EIP_ASSOCIATION)


@resource_policy(
    "no-public-ip-address",
    description="No instance, node launcher, container service, database or notebook may ask for a public IP "
                "address or internet access, and no Elastic IP may be attached to one.",
    controls=["RAZ-NET-002", "RAZ-CMP-003"], types=PUBLIC_ADDRESS_TYPES)
def no_public_ip_address(resource: ResourceView) -> Iterator[str]:
    for where in public_addresses(resource):
        yield (f"'{resource.name}' ({resource.type}) gets a public address: {where}. Keep it private "
               "(false / DISABLED) and reach it through SSM, a private load balancer or a VPC endpoint.")


@resource_policy(
    "security-group-no-public-ingress",
    description="Security groups and ingress rules must not admit the internet (0.0.0.0/0, ::/0, or CIDRs "
                "that add up to it).",
    controls=["RAZ-NET-003"], types=(*SECURITY_GROUPS, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE))
def security_group_no_public_ingress(resource: ResourceView) -> Iterator[str]:
    kind = "security group" if resource.type in SECURITY_GROUPS else "ingress rule"
    for internet in open_ingress(resource):
        yield (f"{kind} '{resource.name}' admits {internet} through its ingress CIDRs: "
               "allow only the zone's own CIDRs or security groups.")


def _group_key(rule: ResourceView) -> str | None:
    """The security group a rule resource belongs to: its URN in the stack, else the literal id."""
    for dependency in rule.property_dependencies.get("securityGroupId", []):
        if dependency.type in SECURITY_GROUPS:
            return dependency.urn
    group = rule.get("securityGroupId")
    return None if is_unknown(group) or not isinstance(group, str) else group


class _PrefixLists:
    """The CIDRs of the stack's managed prefix lists (their `entries` and separate entry resources)."""

    def __init__(self, stack: StackView) -> None:
        self.cidrs: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for plist in stack.of_type(MANAGED_PREFIX_LIST):
            self.cidrs[plist.urn] += [(f"{plist.name}.{w}", v) for w, v in values_at(plist.props, "entries.cidr")]
        for entry in stack.of_type(MANAGED_PREFIX_LIST_ENTRY):
            for plist in entry.property_dependencies.get("prefixListId", []):
                self.cidrs[plist.urn].append((f"{entry.name}.cidr", entry.get("cidr")))

    def networks(self, resource: ResourceView, prop: str, ids: list) -> list[Network] | None:
        """Networks of the prefix lists `ids` (read from `prop`) names, or None when one of them is not
        created by this stack, so that its entries cannot be read."""
        lists = [d for d in resource.property_dependencies.get(prop, []) if d.type == MANAGED_PREFIX_LIST]
        if len(lists) < len(ids):
            return None
        return [parse_cidr(cidr, where) for plist in lists for where, cidr in self.cidrs.get(plist.urn, [])]


def _ingress_prefix_lists(resource: ResourceView) -> tuple[str, list]:
    """(property whose dependencies name the lists, prefix list ids) of a resource's ingress rules."""
    if resource.type in SECURITY_GROUPS:
        return "ingress", [v for where, ids in values_at(resource.props, "ingress.prefixListIds")
                           for v in _known_items(ids, where)]
    if resource.type == SECURITY_GROUP_RULE and resource.known("type") == "ingress":
        return "prefixListIds", _known_items(resource.get("prefixListIds"), "prefixListIds")
    if resource.type == SECURITY_GROUP_INGRESS_RULE:
        return "prefixListId", _known_items(resource.get("prefixListId"), "prefixListId")
    return "", []


@stack_policy(
    "security-group-ingress-adds-up",
    description="The ingress of each security group, added up over its inline rules, its rule resources and "
                "the managed prefix lists they name, must not admit the internet.",
    controls=["RAZ-NET-003"],
    types=(*SECURITY_GROUPS, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, MANAGED_PREFIX_LIST,
           MANAGED_PREFIX_LIST_ENTRY))
def security_group_ingress_adds_up(stack: StackView) -> Iterator[tuple[str, str]]:
    prefix_lists = _PrefixLists(stack)
    groups: dict[str, list[ResourceView]] = defaultdict(list)
    for group in stack.of_type(*SECURITY_GROUPS):
        groups[group.urn].append(group)
    for rule in stack.of_type(SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE):
        key = _group_key(rule)
        if key is not None:
            groups[key].append(rule)
    for key, members in groups.items():
        networks: list[Network] = []
        alone = set()  # what one member admits by itself is reported by security-group-no-public-ingress
        for member in members:
            own = [network for _, network in ingress_networks(member)]
            alone.update(internet_admitted(own))
            networks += own
            prop, ids = _ingress_prefix_lists(member)
            listed = prefix_lists.networks(member, prop, ids) if ids else []
            if listed is None:
                yield member.urn, (f"'{member.name}' admits ingress from prefix list(s) {', '.join(map(str, ids))} that "
                                   "this stack does not create, so what they admit cannot be verified at preview: "
                                   "create the prefix list in the stack or name CIDRs.")
                continue
            networks += listed
        for internet in sorted(set(internet_admitted(networks)) - alone):
            where = stack.by_urn[key].name if key in stack.by_urn else key
            names = ", ".join(sorted(m.name for m in members))
            yield (members[0].urn if key not in stack.by_urn else key), (
                f"security group '{where}' admits {internet} once its ingress is added up ({names} and the prefix "
                "lists they name): allow only the zone's own CIDRs or security groups.")


def _is_default(resource: ResourceView, prop: str, default_type: str) -> bool:
    """Whether `prop` names the VPC's default security group or NACL (the adopted default resource, or
    the Vpc's defaultSecurityGroupId / defaultNetworkAclId output, the only such id a Vpc has)."""
    return any(d.type in (default_type, VPC) for d in resource.property_dependencies.get(prop, []))


@stack_policy(
    "vpc-default-security-group-closed",
    description="The VPC's default security group and default NACL keep no rule: not inline, not through a "
                "separate rule resource.",
    controls=["RAZ-NET-003"],
    types=(DEFAULT_SECURITY_GROUP, DEFAULT_NETWORK_ACL, *SECURITY_GROUP_RULES, NETWORK_ACL_RULE))
def vpc_default_security_group_closed(stack: StackView) -> Iterator[tuple[str, str]]:
    for default in stack.of_type(DEFAULT_SECURITY_GROUP, DEFAULT_NETWORK_ACL):
        what = "default security group" if default.type == DEFAULT_SECURITY_GROUP else "default NACL"
        for direction in ("ingress", "egress"):
            if _known_items(default.get(direction), direction):
                yield default.urn, (f"{what} '{default.name}' keeps {direction} rules: set {direction}=[] so that "
                                    "nothing falls back to it.")
    for rule in stack.of_type(*SECURITY_GROUP_RULES):
        if _is_default(rule, "securityGroupId", DEFAULT_SECURITY_GROUP):
            yield rule.urn, (f"rule '{rule.name}' adds a rule to the VPC's default security group, which must stay "
                             "closed: attach it to the workload's own security group.")
    for rule in stack.of_type(NETWORK_ACL_RULE):
        if _is_default(rule, "networkAclId", DEFAULT_NETWORK_ACL):
            yield rule.urn, (f"rule '{rule.name}' adds a rule to the VPC's default NACL, which must deny everything: "
                             "add it to the zone NACL.")


@resource_policy(
    "load-balancer-internal-only",
    description="Load balancers must be internal: model endpoints are never internet-facing.",
    controls=["RAZ-NET-004"], types=(*LOAD_BALANCERS_V2, *CLASSIC_LOAD_BALANCERS))
def load_balancer_internal_only(lb: ResourceView) -> Iterator[str]:
    if internet_facing(lb):
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
