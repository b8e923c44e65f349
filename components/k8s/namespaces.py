"""Regulated namespaces, one per workload kind (controls RAZ-K8S-001, -002, -005, -006).

Each namespace enforces, audits and warns at Pod Security `restricted`, names its zone and the data
classes the zone permits there, caps what its workloads may consume, and denies all traffic except
DNS, the zone's VPC endpoints, the EKS Pod Identity agent (workload credentials), the serving port (inference only) and, if the zone has an
allow-list, HTTPS out through the egress firewall.
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
# Defaults for containers that set nothing, so that the quota can be enforced on every pod.
CONTAINER_DEFAULTS = {"default": {"cpu": "1", "memory": "2Gi"}, "defaultRequest": {"cpu": "250m", "memory": "512Mi"}}
METADATA_ADDRESSES = "169.254.0.0/16"
# The EKS Pod Identity agent serves credentials on the node at these link-local addresses, port 80
# (EKS user guide, "Set up the Amazon EKS Pod Identity Agent": 169.254.170.23 for IPv4 and
# [fd00:ec2::23] for IPv6). The VPC CNI's network policy agent enforces link-local destinations too,
# so without an explicit allow the default deny cuts workloads off from their credentials.
POD_IDENTITY_AGENT_CIDRS = ("169.254.170.23/32", "fd00:ec2::23/128")
POD_IDENTITY_AGENT_PORT = 80


def namespace_name(zone_name: str, kind: str) -> str:
    return f"{zone_name}-{kind.replace('_', '-')}"


@dataclass
class RegulatedNamespaceArgs:
    zone_name: str
    kind: str
    data_classes: Sequence[str]
    vpc_cidr: str
    # CIDRs of the zone's interface-endpoint subnets; the whole VPC when not known.
    endpoint_cidrs: Sequence[str] = ()
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
                  **{PSA_LABEL.format(mode=mode) + "-version": "latest" for mode in PSA_MODES},
                  **{data_class_label(c): NAMESPACE_PERMITS for c in sorted(set(args.data_classes))}}
        self.namespace = k8s.core.v1.Namespace(name, metadata={"name": self.name, "labels": labels},
                                               opts=pulumi.ResourceOptions(parent=self))
        inside = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])

        def meta(suffix: str) -> dict:
            return {"name": suffix, "namespace": self.name, "labels": {ZONE_LABEL: args.zone_name}}

        k8s.core.v1.ResourceQuota(f"{name}-quota", metadata=meta("regzone-quota"),
                                  spec={"hard": {**DEFAULT_QUOTAS[args.kind], **args.quota}}, opts=inside)
        k8s.core.v1.LimitRange(f"{name}-limits", metadata=meta("regzone-limits"),
                               spec={"limits": [{"type": "Container", **CONTAINER_DEFAULTS}]}, opts=inside)
        for policy_name, spec in self._network_policies(args).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-{policy_name}", metadata=meta(policy_name), spec=spec,
                                            opts=inside)
        self.register_outputs({"name": self.name})

    @staticmethod
    def _network_policies(args: RegulatedNamespaceArgs) -> dict[str, dict]:
        policies = {
            "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            "allow-dns": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]},
            "allow-zone-endpoints": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in (args.endpoint_cidrs or [args.vpc_cidr])],
                "ports": [{"protocol": "TCP", "port": 443}]}]},
            "allow-pod-identity-agent": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in POD_IDENTITY_AGENT_CIDRS],
                "ports": [{"protocol": "TCP", "port": POD_IDENTITY_AGENT_PORT}]}]},
        }
        if args.internet_egress:
            # HTTPS leaves through the zone's Network Firewall, whose domain allow-list decides.
            policies["allow-egress-allow-list"] = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [args.vpc_cidr, METADATA_ADDRESSES]}}],
                "ports": [{"protocol": "TCP", "port": 443}]}]}
        if args.kind == "inference":
            policies["allow-serving"] = {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{
                "from": [{"ipBlock": {"cidr": args.vpc_cidr}}],
                "ports": [{"protocol": "TCP", "port": args.serving_port}]}]}
        return policies
