"""What a set of CIDRs admits together: rules that add up to the internet admit the internet.

`0.0.0.0/1` and `128.0.0.0/1` in two rules are `0.0.0.0/0`; so is every public range listed
one by one around the private ones. A set admits the internet of an address family when, together
with the ranges that are never reachable from the internet (IANA special-purpose registries,
RFC 6890 and its updates), it covers the whole family.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from regulated_ai.values import InvalidValue, Unverifiable, is_unknown, unverifiable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not routed on the internet (IANA IPv4 Special-Purpose Address Registry): "this network", private
# use, shared address space, loopback, link local, IETF protocol assignments, documentation,
# benchmarking, multicast and reserved.
_NOT_INTERNET_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"))
# IPv6 internet addresses are global unicast (2000::/3, RFC 4291); documentation excepted (RFC 3849).
_NOT_INTERNET_V6 = (*ipaddress.IPv6Network("::/0").address_exclude(ipaddress.IPv6Network("2000::/3")),
                    ipaddress.IPv6Network("2001:db8::/32"))
_EVERYTHING = {4: ipaddress.IPv4Network("0.0.0.0/0"), 6: ipaddress.IPv6Network("::/0")}
_NAMES = {4: "the IPv4 internet (0.0.0.0/0)", 6: "the IPv6 internet (::/0)"}


def parse_cidr(value: Any, path: str) -> Network:
    """A CIDR as EC2 reads it; an unknown raises Unverifiable, anything else not a CIDR InvalidValue."""
    if is_unknown(value):
        raise unverifiable(value, path)
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise InvalidValue(path, value, "a CIDR block") from None


def internet_admitted(networks: Iterable[Network]) -> list[str]:
    """The address families whose whole internet the networks cover together, as readable names."""
    networks = list(networks)
    found = []
    for version, not_internet in ((4, _NOT_INTERNET_V4), (6, _NOT_INTERNET_V6)):
        mine = [n for n in networks if n.version == version]
        if not mine:
            continue
        if list(ipaddress.collapse_addresses([*mine, *not_internet])) == [_EVERYTHING[version]]:
            found.append(_NAMES[version])
    return found
