"""Regulated namespaces, one per workload kind (controls RAZ-K8S-001, -002, -005, -006).

Each namespace enforces, audits and warns at Pod Security `restricted` pinned to the cluster's
Kubernetes version (a `latest` label would change what is enforced at every control-plane upgrade),
names its zone and the data classes the zone permits there, caps what its workloads may consume,
and denies all traffic except DNS, the subnets of the zone's interface endpoints and S3's ranges
(gateway endpoint) on 443, the EKS Pod Identity agent (workload credentials), the traffic inside the
namespace its workload kind needs, the serving port (inference only) and, if the zone has an
allow-list, HTTPS out through the egress firewall.

The VPC CNI's network policy agent enforces `ipBlock` peers on the destination address, which for
S3 through a gateway endpoint is one of the public ranges of S3's managed prefix list (VPC user
guide, "Gateway endpoints for Amazon S3"; EKS user guide, "Limit Pod traffic with Kubernetes
network policies"): NetworkPolicy has no prefix-list peer, so the program resolves the list's CIDRs
at deploy time (aws.ec2.get_prefix_list) and allows exactly those.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.labels import (NAMESPACE_PERMITS, PSA_LABEL, PSA_LEVEL, PSA_MODES, WORKLOAD_KIND_LABEL,
                                   ZONE_LABEL, data_class_label)

WORKLOAD_KINDS = ("training", "inference", "batch_evaluation")
# Per kind: hard caps for the namespace (ResourceQuota). NodePorts never; load balancers only for serving.
DEFAULT_QUOTAS: dict[str, dict[str, str]] = {
    "training": {"requests.cpu": "64", "requests.memory": "512Gi", "limits.memory": "512Gi",
                 "requests.nvidia.com/gpu": "8", "pods": "50", "services.loadbalancers": "0",
                 "services.nodeports": "0"},
    "inference": {"requests.cpu": "32", "requests.memory": "128Gi", "limits.memory": "128Gi",
                  "requests.nvidia.com/gpu": "4", "pods": "100", "services.loadbalancers": "2",
                  "services.nodeports": "0"},
    "batch_evaluation": {"requests.cpu": "16", "requests.memory": "64Gi", "limits.memory": "64Gi",
                         "requests.nvidia.com/gpu": "2", "pods": "50", "services.loadbalancers": "0",
                         "services.nodeports": "0"},
}
# Requests for containers that set none, so that the quota can be enforced on every pod.
DEFAULT_REQUEST = {"cpu": "250m", "memory": "512Mi"}
# Traffic between the pods of one namespace that each workload kind needs: multi-node training
# exchanges tensors on ports its framework picks (NCCL, torch.distributed), serving pods call each
# other's serving port; batch evaluation runs independent pods.
INTRA_NAMESPACE_ALL_PORTS = "all"
INTRA_NAMESPACE: dict[str, str | None] = {"training": INTRA_NAMESPACE_ALL_PORTS, "inference": "serving",
                                          "batch_evaluation": None}
METADATA_ADDRESSES = "169.254.0.0/16"
# The EKS Pod Identity agent serves credentials on the node at these link-local addresses, port 80
# (EKS user guide, "Set up the Amazon EKS Pod Identity Agent": 169.254.170.23 for IPv4 and
# [fd00:ec2::23] for IPv6). The VPC CNI's network policy agent enforces link-local destinations too,
# so without an explicit allow the default deny cuts workloads off from their credentials.
POD_IDENTITY_AGENT_CIDRS = ("169.254.170.23/32", "fd00:ec2::23/128")
POD_IDENTITY_AGENT_PORT = 80
GPU_QUOTA = "requests.nvidia.com/gpu"


def namespace_name(zone_name: str, kind: str) -> str:
    return f"{zone_name}-{kind.replace('_', '-')}"


def limit_range(container_max: Mapping[str, str]) -> dict:
    """Container limits: a container may ask for up to the largest node it may run on. The default
    limit is that maximum, so a container that requests more than a small default and sets no limit
    is not refused (the LimitRanger would otherwise apply the default limit below its request);
    `max` refuses what no node could hold."""
    return {"limits": [{"type": "Container", "max": dict(container_max), "default": dict(container_max),
                        "defaultRequest": dict(DEFAULT_REQUEST)}]}


@dataclass
class RegulatedNamespaceArgs:
    zone_name: str
    kind: str
    data_classes: Sequence[str]
    vpc_cidr: str
    # The cluster's Kubernetes version (`1.35`): the Pod Security Standards version enforced.
    kubernetes_version: str
    # CIDRs of the subnets holding the zone's interface endpoints (zone stack output).
    endpoint_cidrs: pulumi.Input[Sequence[str]]
    # CIDRs of the region's S3 managed prefix list (the gateway endpoint's destinations).
    s3_cidrs: pulumi.Input[Sequence[str]]
    # Per container: the largest CPU and memory a node that may hold these classes has.
    container_max: Mapping[str, str]
    # GPUs the zone's node groups holding these classes can provide at their maximum size.
    gpu_capacity: int
    # Whether pods may use the zone's egress allow-list path (the firewall decides the domains).
    internet_egress: bool = False
    serving_port: int = 8443
    quota: Mapping[str, str] = field(default_factory=dict)


class RegulatedNamespace(pulumi.ComponentResource):
    """A zone namespace for one workload kind: labels, quota, limits and network policies."""

    namespace: k8s.core.v1.Namespace
    name: str

    def __init__(self, name: str, args: RegulatedNamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:RegulatedNamespace", name, None, opts)
        if args.kind not in WORKLOAD_KINDS:
            raise ValueError(f"RegulatedNamespace {name}: kind {args.kind!r} is not one of {list(WORKLOAD_KINDS)}")
        if not args.data_classes:
            raise ValueError(f"RegulatedNamespace {name}: no data classes; a namespace must say what it may hold")
        self.name = namespace_name(args.zone_name, args.kind)
        labels = {ZONE_LABEL: args.zone_name, WORKLOAD_KIND_LABEL: args.kind,
                  **{PSA_LABEL.format(mode=mode): PSA_LEVEL for mode in PSA_MODES},
                  **{PSA_LABEL.format(mode=mode) + "-version": f"v{args.kubernetes_version}" for mode in PSA_MODES},
                  **{data_class_label(c): NAMESPACE_PERMITS for c in sorted(set(args.data_classes))}}
        self.namespace = k8s.core.v1.Namespace(name, metadata={"name": self.name, "labels": labels},
                                               opts=pulumi.ResourceOptions(parent=self))
        inside = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])

        def meta(suffix: str) -> dict:
            return {"name": suffix, "namespace": self.name, "labels": {ZONE_LABEL: args.zone_name}}

        hard = dict(DEFAULT_QUOTAS[args.kind])
        # No more GPUs than the node groups that may hold these classes have.
        hard[GPU_QUOTA] = str(min(int(hard[GPU_QUOTA]), args.gpu_capacity))
        k8s.core.v1.ResourceQuota(f"{name}-quota", metadata=meta("regzone-quota"),
                                  spec={"hard": {**hard, **args.quota}}, opts=inside)
        k8s.core.v1.LimitRange(f"{name}-limits", metadata=meta("regzone-limits"),
                               spec=limit_range(args.container_max), opts=inside)
        for policy_name, spec in self._network_policies(args).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-{policy_name}", metadata=meta(policy_name), spec=spec,
                                            opts=inside)
        self.register_outputs({"name": self.name})

    @staticmethod
    def _network_policies(args: RegulatedNamespaceArgs) -> dict[str, pulumi.Input[dict]]:
        def https_to(what: str, cidrs: Sequence[str]) -> dict:
            if not cidrs:
                raise ValueError(f"RegulatedNamespace {args.zone_name}/{args.kind}: no CIDRs for {what}")
            return {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in cidrs], "ports": [{"protocol": "TCP", "port": 443}]}]}

        policies: dict[str, pulumi.Input[dict]] = {
            "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            "allow-dns": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]},
            "allow-zone-endpoints": pulumi.Output.from_input(args.endpoint_cidrs).apply(
                lambda cidrs: https_to("the zone's interface endpoint subnets", cidrs)),
            "allow-s3-gateway": pulumi.Output.from_input(args.s3_cidrs).apply(
                lambda cidrs: https_to("S3's prefix list (gateway endpoint)", cidrs)),
            "allow-pod-identity-agent": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in POD_IDENTITY_AGENT_CIDRS],
                "ports": [{"protocol": "TCP", "port": POD_IDENTITY_AGENT_PORT}]}]},
        }
        if args.internet_egress:
            # HTTPS leaves through the zone's Network Firewall, whose domain allow-list decides.
            policies["allow-egress-allow-list"] = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [args.vpc_cidr, METADATA_ADDRESSES]}}],
                "ports": [{"protocol": "TCP", "port": 443}]}]}
        intra = INTRA_NAMESPACE[args.kind]
        if intra is not None:
            ports = {} if intra == INTRA_NAMESPACE_ALL_PORTS else {
                "ports": [{"protocol": "TCP", "port": args.serving_port}]}
            policies["allow-intra-namespace"] = {
                "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}], **ports}],
                "egress": [{"to": [{"podSelector": {}}], **ports}]}
        if args.kind == "inference":
            policies["allow-serving"] = {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{
                "from": [{"ipBlock": {"cidr": args.vpc_cidr}}],
                "ports": [{"protocol": "TCP", "port": args.serving_port}]}]}
        return policies
