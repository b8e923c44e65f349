"""Network stack policies (controls RAZ-NET-001, 005, 006, 007): properties of the topology that no
single resource shows. Resources are linked through their property dependencies (the engine's
record of which resource an input came from), so the checks work at preview, before ids exist.

Subnets and route tables carry their tier in the `regzone:tier` tag. Only `firewall` and `egress`
tiers may route to NAT or internet gateways; an untagged subnet or route table counts as a
workload one (fail closed).
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import StackView, ResourceView, Unverifiable, is_unknown, reference_at, stack_policy, unverifiable
from regulated_ai.policies.s3 import bucket_of, compliance_lock_problem, configured_buckets
from regulated_ai.types import (CARRIER_GATEWAY, DEFAULT_ROUTE_TABLE, ECR_REPOSITORY, EGRESS_ONLY_INTERNET_GATEWAY,
                                EKS_ADDON, EKS_CLUSTER, EKS_NODE_GROUP, EKS_POD_IDENTITY_ASSOCIATION, FLOW_LOG,
                                INTERNET_GATEWAY, INTERNET_GATEWAY_ATTACHMENT, KMS_KEY, MAIN_ROUTE_TABLE_ASSOCIATION,
                                NETWORK_FIREWALL, NETWORK_FIREWALL_POLICY, NETWORK_FIREWALL_RULE_GROUP,
                                NETWORK_FIREWALL_TLS_INSPECTION, NETWORK_FIREWALL_VPC_ASSOCIATION, ROUTE, ROUTE_TABLE,
                                ROUTE_TABLE_ASSOCIATION, S3_BUCKETS, S3_OBJECT_LOCK, SUBNETS, VPC, VPC_ENDPOINT)
from regzone.tags import TAG_TIER, TIER_EGRESS, TIER_FIREWALL

EDGE_TIERS = (TIER_FIREWALL, TIER_EGRESS)
_INTERNET_TARGETS = {"gatewayId": "internet gateway", "egressOnlyGatewayId": "egress-only internet gateway",
                     "carrierGatewayId": "carrier gateway", "natGatewayId": "NAT gateway"}
# Gateways through which a VPC reaches the internet (a carrier gateway: through the carrier's network).
_INTERNET_GATEWAY_TYPES = (INTERNET_GATEWAY, EGRESS_ONLY_INTERNET_GATEWAY, CARRIER_GATEWAY)


def _refs(resource: ResourceView, prop: str, *types: str) -> list[ResourceView]:
    """Resources of `types` that the input `prop` of `resource` came from."""
    return [d for d in resource.property_dependencies.get(prop, []) if d.type in types]


def _tier(resource: ResourceView) -> str | None:
    """The resource's tier tag; an unknown tier cannot say whether workloads sit behind it."""
    tags = resource.get("tags") or {}
    tier = tags.get(TAG_TIER) if isinstance(tags, dict) else None
    if is_unknown(tier):
        raise unverifiable(tier)
    return tier


def _internet_target(route: dict, route_view: ResourceView, prop_prefix: str) -> str | None:
    """What internet-bound target a route (or inline route) uses, if any."""
    for key, label in _INTERNET_TARGETS.items():
        # Which target is set decides; the value only for gatewayId, through its dependency when unknown.
        value = reference_at(route, key)
        if value is None or value == "":
            continue
        if key != "gatewayId":
            return label
        # Inline routes share the dependencies of the whole `routes` input.
        deps = route_view.property_dependencies.get(prop_prefix or key, [])
        if any(d.type in _INTERNET_GATEWAY_TYPES for d in deps):
            return label
        if is_unknown(value):
            if deps:  # a virtual private gateway or another non-internet gateway in the stack
                continue
            raise unverifiable(route.get(key))
        if str(value).startswith("igw-"):
            return label
    return None


class _Topology:
    """Route tables with the subnets associated with them, and which are edge (firewall/egress) ones.
    The VPC's main route table (DefaultRouteTable, or a table made main by MainRouteTableAssociation)
    serves every subnet not associated with another table, so it is never an edge table."""

    def __init__(self, stack: StackView) -> None:
        self.subnets_of: dict[str, list[ResourceView]] = {}
        for association in stack.of_type(ROUTE_TABLE_ASSOCIATION):
            for table in _refs(association, "routeTableId", ROUTE_TABLE):
                self.subnets_of.setdefault(table.urn, []).extend(_refs(association, "subnetId", *SUBNETS))
        self.main = {table.urn for association in stack.of_type(MAIN_ROUTE_TABLE_ASSOCIATION)
                     for table in _refs(association, "routeTableId", ROUTE_TABLE)}
        # A route on a Vpc's mainRouteTableId output goes to its main table: the Vpc stands for it.
        self.main.update(table.urn for table in stack.of_type(DEFAULT_ROUTE_TABLE, VPC))

    def is_edge(self, table: ResourceView) -> bool:
        subnets = self.subnets_of.get(table.urn, [])
        return (table.urn not in self.main and _tier(table) in EDGE_TIERS
                and all(_tier(s) in EDGE_TIERS for s in subnets))

    def tier_of(self, table: ResourceView) -> str:
        return "main" if table.urn in self.main else _tier(table) or "untagged"


def _routes(stack: StackView) -> Iterator[tuple[ResourceView, dict, ResourceView | None, str]]:
    """(route resource, route dict, its route table or None, property prefix) for Route resources and
    inline RouteTable routes."""
    for route in stack.of_type(ROUTE):
        tables = _refs(route, "routeTableId", ROUTE_TABLE, DEFAULT_ROUTE_TABLE, VPC)
        yield route, route.props, tables[0] if tables else None, ""
    for table in stack.of_type(ROUTE_TABLE, DEFAULT_ROUTE_TABLE):
        routes = table.get("routes") or []
        if is_unknown(routes):
            raise unverifiable(routes, f"{table.name}.routes")
        for route in routes:
            if isinstance(route, dict):
                yield table, route, table, "routes"


@stack_policy(
    "network-workload-no-internet-route",
    description="Subnets that carry workloads, and the VPC's main route table, must have no route to an internet "
                "or NAT gateway.",
    controls=["RAZ-NET-001"],
    types=(ROUTE, ROUTE_TABLE, DEFAULT_ROUTE_TABLE, ROUTE_TABLE_ASSOCIATION, MAIN_ROUTE_TABLE_ASSOCIATION))
def network_workload_no_internet_route(stack: StackView) -> Iterator[tuple[str, str]]:
    topology = _Topology(stack)
    for route_view, route, table, prefix in _routes(stack):
        target = _internet_target(route, route_view, prefix)
        if target is None:
            continue
        if table is None:
            yield route_view.urn, (f"route '{route_view.name}' goes to a {target} from a route table this stack "
                                   "does not define, so it cannot be shown not to serve workloads; reference the "
                                   "zone's RouteTable resource.")
        elif not topology.is_edge(table):
            yield route_view.urn, (f"route '{route_view.name}' sends traffic from route table '{table.name}' "
                                   f"(tier {topology.tier_of(table)}) straight to a {target}: workload subnets "
                                   "must reach the internet only through the egress firewall, or not at all.")


def _vpc_of(resource: ResourceView) -> list[ResourceView]:
    return _refs(resource, "vpcId", VPC)


@stack_policy(
    "network-vpc-flow-logs",
    description="Every VPC of a zone must have flow logs for ALL traffic.",
    controls=["RAZ-NET-006"], types=(FLOW_LOG, VPC))
def network_vpc_flow_logs(stack: StackView) -> Iterator[tuple[str, str]]:
    logged: set[str] = set()
    for flow_log in stack.of_type(FLOW_LOG):
        if flow_log.known("trafficType") == "ALL":
            logged.update(v.urn for v in _vpc_of(flow_log))
    for vpc in stack.of_type(VPC):
        if vpc.urn not in logged:
            yield vpc.urn, (f"VPC '{vpc.name}' has no flow log with trafficType ALL: accepted and rejected "
                            "connections would leave no record. Add an aws.ec2.FlowLog for the VPC.")


@stack_policy(
    "network-vpc-flow-logs-worm",
    description="Every VPC must also deliver flow logs of ALL traffic to an S3 bucket with Object Lock in "
                "COMPLIANCE mode, so that the network record is write-once for the audit retention.",
    controls=["RAZ-NET-006"], types=(FLOW_LOG, VPC, *S3_BUCKETS, *S3_OBJECT_LOCK))
def network_vpc_flow_logs_worm(stack: StackView) -> Iterator[tuple[str, str]]:
    locks = configured_buckets(stack, S3_OBJECT_LOCK)
    archived: set[str] = set()
    problems: dict[str, str] = {}
    for flow_log in stack.of_type(FLOW_LOG):
        if flow_log.known("logDestinationType") != "s3" or flow_log.known("trafficType") != "ALL":
            continue
        bucket = bucket_of(flow_log, stack, "logDestination")
        problem = ("a bucket this stack does not create, so its Object Lock cannot be verified" if bucket is None
                   else compliance_lock_problem(bucket, locks))
        for vpc in _vpc_of(flow_log):
            if problem is None:
                archived.add(vpc.urn)
            else:
                problems[vpc.urn] = f"flow log '{flow_log.name}' delivers to {problem}"
    for vpc in stack.of_type(VPC):
        if vpc.urn not in archived:
            reason = problems.get(vpc.urn, "no flow log of ALL traffic delivers to S3")
            yield vpc.urn, (f"VPC '{vpc.name}': {reason}. Archive its flow logs in the zone's WORM audit bucket "
                            "(FlowLogs does); the CloudWatch copy alone can be deleted before the audit retention.")


# Where each Network Firewall type keeps its encryption configuration: one block, or a list of them
# (a TLS inspection configuration, which holds the certificates the firewall decrypts traffic with).
_FIREWALL_ENCRYPTION = {NETWORK_FIREWALL: "encryptionConfiguration", NETWORK_FIREWALL_POLICY: "encryptionConfiguration",
                        NETWORK_FIREWALL_RULE_GROUP: "encryptionConfiguration",
                        NETWORK_FIREWALL_TLS_INSPECTION: "encryptionConfigurations"}


def _encryption_blocks(resource: ResourceView) -> list[tuple[str, object]]:
    """(input path, block) of the resource's encryption configuration; an absent one is one empty block."""
    path = _FIREWALL_ENCRYPTION[resource.type]
    value = resource.known(path)
    if isinstance(value, list):
        return [(f"{path}.{index}", block) for index, block in enumerate(value)] or [(path, None)]
    return [(path, value)]


@stack_policy(
    "network-firewall-customer-key",
    description="Network Firewall rule groups, firewall policies, firewalls and TLS inspection configurations must be "
                "encrypted with a customer managed KMS key, not an AWS owned key.",
    controls=["RAZ-NET-005"], types=(*_FIREWALL_ENCRYPTION, KMS_KEY))
def network_firewall_customer_key(stack: StackView) -> Iterator[tuple[str, str]]:
    # Without encryptionConfiguration, or with type AWS_OWNED_KMS_KEY, AWS encrypts with a key it owns
    # (Network Firewall API reference, EncryptionConfiguration): no zone key policy decides who reads it.
    for resource in stack.of_type(*_FIREWALL_ENCRYPTION):
        for path, block in _encryption_blocks(resource):
            block = block if isinstance(block, dict) else {}
            kind = block.get("type")
            if is_unknown(kind):
                raise unverifiable(kind, f"{resource.name}.{path}.type")
            if kind != "CUSTOMER_KMS":
                shown = "an AWS owned key" if kind in (None, "AWS_OWNED_KMS_KEY") else repr(kind)
                yield resource.urn, (f"'{resource.name}' is encrypted with {shown}: set {path} to type "
                                     "CUSTOMER_KMS with the zone's audit key (EgressFirewall does).")
                continue
            # A key this stack creates has no ARN until it exists: the dependency shows what it is.
            key = reference_at(block, "keyId")
            if is_unknown(key) and not _refs(resource, _FIREWALL_ENCRYPTION[resource.type], KMS_KEY):
                raise unverifiable(block.get("keyId"))
            if not is_unknown(key) and not key:
                yield resource.urn, f"'{resource.name}' sets CUSTOMER_KMS without a keyId: name the zone's audit key."


@stack_policy(
    "network-igw-requires-firewall",
    description="A VPC with an internet, egress-only or carrier gateway must send egress through a Network "
                "Firewall (its own, or a firewall's endpoint associated with the VPC).",
    controls=["RAZ-NET-005"],
    types=(*_INTERNET_GATEWAY_TYPES, INTERNET_GATEWAY_ATTACHMENT, NETWORK_FIREWALL, NETWORK_FIREWALL_VPC_ASSOCIATION,
           ROUTE, ROUTE_TABLE, DEFAULT_ROUTE_TABLE))
def network_igw_requires_firewall(stack: StackView) -> Iterator[tuple[str, str]]:
    with_igw: dict[str, ResourceView] = {}
    for gateway in stack.of_type(*_INTERNET_GATEWAY_TYPES):
        for vpc in _vpc_of(gateway):
            with_igw[vpc.urn] = vpc
    for attachment in stack.of_type(INTERNET_GATEWAY_ATTACHMENT):
        for vpc in _vpc_of(attachment):
            with_igw[vpc.urn] = vpc
    firewalled = {vpc.urn for firewall in stack.of_type(NETWORK_FIREWALL, NETWORK_FIREWALL_VPC_ASSOCIATION)
                  for vpc in _vpc_of(firewall)}
    for urn, vpc in with_igw.items():
        if urn not in firewalled:
            yield urn, (f"VPC '{vpc.name}' has an internet gateway but no Network Firewall: egress is not "
                        "limited to the allow-list. Add the zone's egress firewall or remove the gateway.")
    # Traffic must reach a NAT gateway only after the firewall: routes to NAT only from firewall subnets.
    topology = _Topology(stack)
    for route_view, route, table, _ in _routes(stack):
        nat = route.get("natGatewayId")
        if nat is None or nat == "" or table is None:
            continue
        subnets = topology.subnets_of.get(table.urn, [])
        if _tier(table) != TIER_FIREWALL or any(_tier(s) != TIER_FIREWALL for s in subnets):
            yield route_view.urn, (f"route '{route_view.name}' reaches a NAT gateway from route table "
                                   f"'{table.name}' (tier {topology.tier_of(table)}), bypassing the firewall: "
                                   "only firewall subnets may route to NAT.")


# Which endpoints a resource type makes the zone need: ECR image layers are served from S3; EKS Pod
# Identity credentials come from the EKS Auth API (eks-auth), which private nodes reach only through
# its interface endpoint (EKS user guide, "Set up the Amazon EKS Pod Identity Agent").
_NEEDS = {**{t: ("s3",) for t in S3_BUCKETS},
          ECR_REPOSITORY: ("ecr.api", "ecr.dkr", "s3"),
          EKS_CLUSTER: ("ecr.api", "ecr.dkr", "s3"),
          EKS_NODE_GROUP: ("ecr.api", "ecr.dkr", "s3"),
          EKS_POD_IDENTITY_ASSOCIATION: ("eks-auth",),
          KMS_KEY: ("kms",)}
POD_IDENTITY_AGENT_ADDON = "eks-pod-identity-agent"


def _needs(resource: ResourceView) -> tuple[str, ...]:
    if resource.type == EKS_ADDON:
        name = resource.known("addonName")
        return ("eks-auth",) if name == POD_IDENTITY_AGENT_ADDON else ()
    return _NEEDS.get(resource.type, ())


@stack_policy(
    "network-private-endpoints-required",
    description="A zone that uses S3, ECR, KMS or EKS Pod Identity must reach them through VPC endpoints in "
                "every VPC.",
    controls=["RAZ-NET-007"], types=(VPC_ENDPOINT, VPC, EKS_ADDON, *_NEEDS))
def network_private_endpoints_required(stack: StackView) -> Iterator[tuple[str, str]]:
    needed: dict[str, ResourceView] = {}
    for resource in stack.of_type(*_NEEDS, EKS_ADDON):
        for service in _needs(resource):
            needed.setdefault(service, resource)
    if not needed:
        return
    present: dict[str, set[str]] = {}
    for endpoint in stack.of_type(VPC_ENDPOINT):
        # "com.amazonaws.<region>.ecr.api" -> "ecr.api"
        parts = str(endpoint.known("serviceName")).split(".", 3)
        for vpc in _vpc_of(endpoint):
            present.setdefault(vpc.urn, set()).add(parts[-1])
    for vpc in stack.of_type(VPC):
        for service in sorted(set(needed) - present.get(vpc.urn, set())):
            yield vpc.urn, (f"VPC '{vpc.name}' has no VPC endpoint for {service}, which '{needed[service].name}' "
                            f"({needed[service].type}) needs: calls would leave through the internet or fail. "
                            f"Add the com.amazonaws.<region>.{service} endpoint.")
