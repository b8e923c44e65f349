"""How a resource opens a zone to the internet, judged in one place for every policy that asks.

The network policies (RAZ-NET-002..004, RAZ-CMP-003), the EKS and Kubernetes policies and the zone
requirement `require_private_ingress` (RAZ-DCP-002) all call these functions, so that a sibling type
added here is judged by all of them at once. Every input that can give a resource a public address
is listed in `PUBLIC_ADDRESS_INPUTS`; the coverage test (regzone/coverage) finds each such input in
the SDKs and fails when one is neither listed nor excused.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from components.k8s.labels import (LB_CLASS, LB_INTERNAL_SCHEME, LB_LEGACY_INTERNAL_ANNOTATION, LB_SCHEME_ANNOTATION,
                                   LB_TRUE_VALUES)
from regulated_ai.addresses import internet_admitted, parse_cidr
from regulated_ai.framework import ResourceView
from regulated_ai.kubernetes_objects import is_patch
from regulated_ai.types import (CLASSIC_LOAD_BALANCERS, EC2_EIP, EC2_EIP_ASSOCIATION, EKS_CLUSTER, K8S_SERVICES,
                                LOAD_BALANCERS_V2, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_RULE,
                                SECURITY_GROUPS, SUBNETS)
from regulated_ai.values import as_bool, is_unknown, unverifiable, values_at

LOAD_BALANCERS = (*LOAD_BALANCERS_V2, *CLASSIC_LOAD_BALANCERS)


@dataclass(frozen=True)
class PublicInput:
    """An input that gives a resource a public address: a boolean, or one of `public_values`."""

    path: str
    default_public: bool = False  # what AWS (or the provider's default) does when it is not set
    public_values: tuple[str, ...] = ()  # for string inputs (ENABLED/DISABLED); booleans otherwise


_ECS_ASSIGN = "networkConfiguration.assignPublicIp"
_PUBLICLY = "publiclyAccessible"
# Defaults are the provider's documented ones (pulumi_aws docstrings); where none is documented, or the
# API decides from the subnet group's VPC, an unset input counts as public: state it.
PUBLIC_ADDRESS_INPUTS: dict[str, tuple[PublicInput, ...]] = {
    "aws:ec2/instance:Instance": (PublicInput("associatePublicIpAddress"),),
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": (PublicInput("associatePublicIpAddress"),),
    "aws:ec2/launchConfiguration:LaunchConfiguration": (PublicInput("associatePublicIpAddress"),),
    "aws:ec2/spotFleetRequest:SpotFleetRequest": (PublicInput("launchSpecifications.associatePublicIpAddress"),),
    "aws:ec2/launchTemplate:LaunchTemplate": (PublicInput("networkInterfaces.associatePublicIpAddress"),),
    "aws:ecs/service:Service": (PublicInput(_ECS_ASSIGN),),
    "aws:ecs/taskSet:TaskSet": (PublicInput(_ECS_ASSIGN),),
    "aws:cloudwatch/eventTarget:EventTarget": (PublicInput(f"ecsTarget.{_ECS_ASSIGN}"),),
    "aws:scheduler/schedule:Schedule": (PublicInput(f"target.ecsParameters.{_ECS_ASSIGN}"),),
    "aws:pipes/pipe:Pipe": (PublicInput("targetParameters.ecsTaskParameters.networkConfiguration."
                                        "awsVpcConfiguration.assignPublicIp", public_values=("ENABLED",)),),
    "aws:drs/replicationConfigurationTemplate:ReplicationConfigurationTemplate": (PublicInput("createPublicIp"),),
    # SageMaker notebooks have direct internet access unless it is Disabled.
    "aws:sagemaker/notebookInstance:NotebookInstance": (
        PublicInput("directInternetAccess", default_public=True, public_values=("Enabled",)),),
    "aws:rds/instance:Instance": (PublicInput(_PUBLICLY),),
    "aws:rds/clusterInstance:ClusterInstance": (PublicInput(_PUBLICLY),),
    "aws:neptune/clusterInstance:ClusterInstance": (PublicInput(_PUBLICLY),),
    "aws:redshift/cluster:Cluster": (PublicInput(_PUBLICLY),),
    # Multi-AZ DB clusters default to public without a DB subnet group; shard groups follow the VPC.
    "aws:rds/cluster:Cluster": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:rds/shardGroup:ShardGroup": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:dms/instanceProfile:InstanceProfile": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:dms/replicationInstance:ReplicationInstance": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:lightsail/database:Database": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:m2/environment:Environment": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:mq/broker:Broker": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:redshiftserverless/workgroup:Workgroup": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:timestreaminfluxdb/dbCluster:DbCluster": (PublicInput(_PUBLICLY, default_public=True),),
    "aws:timestreaminfluxdb/dbInstance:DbInstance": (PublicInput(_PUBLICLY, default_public=True),),
}


def _is_public(value: object, where: str, entry: PublicInput) -> bool:
    if entry.public_values:
        if is_unknown(value):
            raise unverifiable(value, where)
        return entry.default_public if value is None else str(value) in entry.public_values
    parsed = as_bool(value, where)
    return entry.default_public if parsed is None else parsed


def public_addresses(resource: ResourceView) -> list[str]:
    """Each input through which `resource` gets a public address, as `path = value` (an unset input
    whose default is public included); Elastic IPs attached to an instance or interface."""
    found = []
    for entry in PUBLIC_ADDRESS_INPUTS.get(resource.type, ()):
        present = values_at(resource.props, entry.path)
        if not present and entry.default_public:
            found.append(f"{entry.path} is not set (the default is public)")
        found += [f"{where} = {value!r}" for where, value in present if _is_public(value, where, entry)]
    if resource.type == EC2_EIP:  # attached to an instance or interface, known yet or not
        # Any instance or interface makes it public, whichever: read as a reference.
        found += [f"{key} = {resource.reference(key)!r}" for key in ("instance", "networkInterface")
                  if resource.reference(key) not in (None, "")]
    if resource.type == EC2_EIP_ASSOCIATION:
        found.append("it associates an Elastic IP with an instance or network interface")
    return found


def maps_public_ips(subnet: ResourceView) -> bool:
    """AWS's default subnets map public IPs unless told otherwise."""
    return subnet.flag("mapPublicIpOnLaunch", subnet.type.endswith("DefaultSubnet")) is True


def internet_facing(load_balancer: ResourceView) -> bool:
    """ELBs are internet-facing unless `internal` is true (the API's default scheme)."""
    return load_balancer.flag("internal", False) is not True


def public_api_endpoint(cluster: ResourceView) -> bool:
    """EKS turns the public endpoint on when endpointPublicAccess is not set."""
    return cluster.flag("vpcConfig.endpointPublicAccess", True) is not False


def service_exposed(service: ResourceView) -> list[str]:
    """How a Service reaches beyond the cluster's pods, as the in-cluster admission refuses it
    (components/k8s/admission.py `service_validations`): external IPs, node ports, or a load balancer
    that is not an internal NLB of the AWS Load Balancer Controller. Without `loadBalancerClass:
    service.k8s.aws/nlb` the legacy in-tree controller provisions the load balancer and ignores the
    scheme annotation; with it, the scheme annotation must say `internal`, since when it is absent the
    controller keeps an existing NLB's scheme (AWS Load Balancer Controller docs, "Network Load
    Balancer", "Service annotations"). A patch is judged on what it sets: one that sets no type may
    still set a class or scheme that would expose a LoadBalancer Service."""
    found = []
    external = service.known("spec.externalIPs", []) or []
    if external:
        found.append(f"sets spec.externalIPs {external}")
    kind = service.known("spec.type", None if is_patch(service) else "ClusterIP")
    annotations = service.known("metadata.annotations", {}) or {}
    scheme = annotations.get(LB_SCHEME_ANNOTATION)
    if is_unknown(scheme):
        raise unverifiable(scheme, f"metadata.annotations.{LB_SCHEME_ANNOTATION}")
    legacy = annotations.get(LB_LEGACY_INTERNAL_ANNOTATION)
    if is_unknown(legacy):
        raise unverifiable(legacy, f"metadata.annotations.{LB_LEGACY_INTERNAL_ANNOTATION}")
    if legacy is not None and legacy not in LB_TRUE_VALUES:
        found.append(f"sets {LB_LEGACY_INTERNAL_ANNOTATION}: {legacy!r}, which conflicts with an internal scheme "
                     "(controllers that read the deprecated annotation would make the load balancer public); remove "
                     "it or set it to \"true\"")
    load_balancer_class = service.known("spec.loadBalancerClass", None)
    if kind == "NodePort":
        found.append("is a NodePort Service")
    elif kind == "LoadBalancer" and (load_balancer_class != LB_CLASS or scheme != LB_INTERNAL_SCHEME):
        found.append(f"is a LoadBalancer Service that is not an internal NLB of the AWS Load Balancer Controller "
                     f"(loadBalancerClass {LB_CLASS} and {LB_SCHEME_ANNOTATION}: {LB_INTERNAL_SCHEME})")
    elif kind is None:
        if load_balancer_class not in (None, LB_CLASS):
            found.append(f"sets loadBalancerClass {load_balancer_class!r}, which would not keep a load balancer internal")
        if scheme not in (None, LB_INTERNAL_SCHEME):
            found.append(f"sets {LB_SCHEME_ANNOTATION}: {scheme!r}, which would expose a load balancer")
    return found


def ingress_networks(resource: ResourceView) -> Iterator[tuple[str, object]]:
    """(path, network) of every CIDR an ingress rule of `resource` admits; egress rules are skipped."""
    if resource.type in SECURITY_GROUPS:
        paths = ("ingress.cidrBlocks", "ingress.ipv6CidrBlocks")
    elif resource.type == SECURITY_GROUP_RULE:
        if resource.known("type") != "ingress":
            return
        paths = ("cidrBlocks", "ipv6CidrBlocks")
    elif resource.type == SECURITY_GROUP_INGRESS_RULE:
        paths = ("cidrIpv4", "cidrIpv6")
    else:
        return
    for path in paths:
        for where, value in values_at(resource.props, path):
            for index, cidr in enumerate(value if isinstance(value, list) else [value]):
                if cidr is not None:
                    at = f"{where}.{index}" if isinstance(value, list) else where
                    yield at, parse_cidr(cidr, at)


def open_ingress(resource: ResourceView) -> list[str]:
    """The internets (IPv4, IPv6) the ingress rules of one security group or rule admit together."""
    return internet_admitted(network for _, network in ingress_networks(resource))


def exposes(type_token: str) -> bool:
    """Whether `reasons` judges resources of this type."""
    return type_token in _EXPOSING_TYPES


def reasons(resource: ResourceView) -> list[str]:
    """Every way `resource` opens its zone to inbound internet traffic (for require_private_ingress)."""
    found = [f"gets a public address ({where})" for where in public_addresses(resource)]
    if resource.type in SUBNETS and maps_public_ips(resource):
        found.append("gives instances public IPs (mapPublicIpOnLaunch)")
    if resource.type in LOAD_BALANCERS and internet_facing(resource):
        found.append("is an internet-facing load balancer (set internal=true)")
    if resource.type == EKS_CLUSTER and public_api_endpoint(resource):
        found.append("has a public Kubernetes API endpoint (AWS enables it unless endpointPublicAccess=false)")
    found += [f"admits {internet} through its ingress rules" for internet in open_ingress(resource)]
    if resource.type in K8S_SERVICES:
        found += service_exposed(resource)
    return found


_EXPOSING_TYPES = frozenset({*PUBLIC_ADDRESS_INPUTS, EC2_EIP, EC2_EIP_ASSOCIATION, *SUBNETS, *LOAD_BALANCERS,
                             EKS_CLUSTER, *SECURITY_GROUPS, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE,
                             *K8S_SERVICES})
