"""Subnets tagged regzone:tier=workload, or (without a tier tag) carrying a data-class, must not
route to an internet gateway (igw-), an egress-only internet gateway (eigw-), a NAT gateway (nat-)
or a carrier gateway (cagw-): each reaches the internet around the egress firewall, whose endpoint
is the only default route a workload subnet may have."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.tags import TAG_DATA_CLASS, TAG_TIER, TIER_WORKLOAD, parse_data_class_tag

_TARGET_KEYS = ("GatewayId", "EgressOnlyInternetGatewayId", "NatGatewayId", "CarrierGatewayId")
_INTERNET_PREFIXES = ("igw-", "eigw-", "nat-", "cagw-")


def _regulated(tags):
    if TAG_TIER in tags:
        return tags[TAG_TIER] == TIER_WORKLOAD
    return bool(parse_data_class_tag(tags.get(TAG_DATA_CLASS, "")))


def _route_table(subnet, tables):
    """The explicitly associated table, else the VPC's main table."""
    main = None
    for table in tables:
        for association in table.get("Associations") or []:
            if association.get("SubnetId") == subnet["SubnetId"]:
                return table
            if association.get("Main") and table.get("VpcId") == subnet["VpcId"]:
                main = table
    return main


def judge(subnet, ctx):
    if not _regulated(subnet.get("tags")):
        return None
    table = _route_table(subnet.data, ctx.inventory("vpc", subnet.region).fact("route_tables"))
    if table is None:
        return failed("no route table found for the subnet (neither associated nor a main table)")
    to_internet = [f"{r.get('DestinationCidrBlock') or r.get('DestinationIpv6CidrBlock') or r.get('DestinationPrefixListId')}"
                   f" -> {target}" for r in table.get("Routes") or []
                   for target in (r.get(key) or "" for key in _TARGET_KEYS) if target.startswith(_INTERNET_PREFIXES)]
    if to_internet:
        return failed(f"route table {table['RouteTableId']} routes to an internet or NAT gateway: "
                      f"{', '.join(to_internet)}")
    return passed(f"route table {table['RouteTableId']} has no internet or NAT gateway route")


def execute(ctx):
    return per_resource(ctx, "vpc", "subnet", judge)
