"""Subnets tagged regzone:tier=workload, or (without a tier tag) carrying a data-class, must not
route to an internet gateway (igw-) or egress-only internet gateway (eigw-)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.tags import TAG_DATA_CLASS, TAG_TIER, TIER_WORKLOAD, parse_data_class_tag


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
                   f" -> {gateway}" for r in table.get("Routes") or []
                   for gateway in (r.get("GatewayId") or "", r.get("EgressOnlyInternetGatewayId") or "")
                   if gateway.startswith(("igw-", "eigw-"))]
    if to_internet:
        return failed(f"route table {table['RouteTableId']} routes to an internet gateway: {', '.join(to_internet)}")
    return passed(f"route table {table['RouteTableId']} has no internet gateway route")


def execute(ctx):
    return per_resource(ctx, "vpc", "subnet", judge)
