"""Native admission for zone workloads (controls RAZ-K8S-002..004): a ValidatingAdmissionPolicy
and its binding, no extra controller. Pods and every pod-template kind are admitted only when

- every container, init container and ephemeral container image is in the zone registry and
  pinned by `@sha256:` digest;
- the pod declares its data classes and the namespace permits each of them in this zone;
- no container is privileged and the pod shares none of the node's namespaces.

The CEL below is product logic: tests/test_admission_cel.py evaluates it with cel-python.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.labels import DATA_CLASS_PREFIX, NAMESPACE_PERMITS, ZONE_LABEL

# Namespaces EKS and Kubernetes manage themselves; everything else is a zone namespace.
_REGISTRY = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}(/[a-z0-9._-]+)*/?$")
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
POD_TEMPLATE_RULES = [
    {"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods", "pods/ephemeralcontainers",
                                                              "replicationcontrollers", "podtemplates"]},
    {"apiGroups": ["apps"], "apiVersions": ["v1"],
     "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"]},
    {"apiGroups": ["batch"], "apiVersions": ["v1"], "resources": ["jobs", "cronjobs"]},
]


def _cel_string(value: str) -> str:
    """A CEL string literal (CEL accepts JSON's double-quoted escapes)."""
    return json.dumps(value)


def admission_variables() -> list[dict[str, str]]:
    """Where the pod spec and labels live for each kind. Variables are evaluated lazily, in order."""
    return [
        {"name": "podTemplate", "expression": (
            "object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : "
            "object.kind == 'PodTemplate' ? object.template : object.spec.template")},
        {"name": "podSpec", "expression": "object.kind == 'Pod' ? object.spec : variables.podTemplate.spec"},
        {"name": "podLabels", "expression": (
            "object.kind == 'Pod' ? (has(object.metadata.labels) ? object.metadata.labels : {}) : "
            "(has(variables.podTemplate.metadata) && has(variables.podTemplate.metadata.labels) ? "
            "variables.podTemplate.metadata.labels : {})")},
        {"name": "containers", "expression": (
            "variables.podSpec.containers"
            " + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])"
            " + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])")},
        {"name": "namespaceLabels", "expression": (
            "has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {}")},
    ]


def admission_validations(*, zone_name: str, registry: str) -> list[dict[str, str]]:
    """The rules, each with the message a rejected deployer sees."""
    prefix = _cel_string(registry.rstrip("/") + "/")
    data_class = _cel_string(DATA_CLASS_PREFIX)
    return [
        {"expression": f"variables.containers.all(c, has(c.image) && c.image.startsWith({prefix}))",
         "message": f"every container image must come from the zone registry {registry} (RAZ-K8S-003)",
         "reason": "Forbidden"},
        {"expression": "variables.containers.all(c, has(c.image) && c.image.matches('@sha256:[a-f0-9]{64}$'))",
         "message": "every container image must be pinned by digest: <repository>@sha256:<digest> (RAZ-K8S-003)",
         "reason": "Forbidden"},
        {"expression": f"variables.podLabels.exists(k, k.startsWith({data_class}))",
         "message": f"the pod must declare its data classes with {DATA_CLASS_PREFIX}<class> labels (RAZ-K8S-002)",
         "reason": "Forbidden"},
        {"expression": (
            f"{_cel_string(ZONE_LABEL)} in variables.namespaceLabels && "
            f"variables.namespaceLabels[{_cel_string(ZONE_LABEL)}] == {_cel_string(zone_name)} && "
            f"variables.podLabels.all(k, !k.startsWith({data_class}) || "
            f"(k in variables.namespaceLabels && variables.namespaceLabels[k] == {_cel_string(NAMESPACE_PERMITS)}))"),
         "message": (f"a data class of this workload is not permitted in this namespace of zone {zone_name} "
                     "(data_class_policy; RAZ-K8S-002)"),
         "reason": "Forbidden"},
        {"expression": ("variables.containers.all(c, !has(c.securityContext) || "
                        "!has(c.securityContext.privileged) || c.securityContext.privileged != true)"),
         "message": "privileged containers are not allowed (RAZ-K8S-004)", "reason": "Forbidden"},
        {"expression": ("!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork) && "
                        "!(has(variables.podSpec.hostPID) && variables.podSpec.hostPID) && "
                        "!(has(variables.podSpec.hostIPC) && variables.podSpec.hostIPC)"),
         "message": "pods must not use the node's network, PID or IPC namespaces (RAZ-K8S-004)",
         "reason": "Forbidden"},
    ]


@dataclass
class WorkloadAdmissionArgs:
    zone_name: str
    # The zone's ECR registry and repository prefix, e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai
    registry: pulumi.Input[str]
    exempt_namespaces: Sequence[str] = field(default_factory=lambda: list(SYSTEM_NAMESPACES))


class WorkloadAdmission(pulumi.ComponentResource):
    """The zone's ValidatingAdmissionPolicy and its binding (Deny + Audit, fail closed)."""

    def __init__(self, name: str, args: WorkloadAdmissionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:WorkloadAdmission", name, None, opts)
        def validations(registry: str) -> list[dict[str, str]]:
            if not _REGISTRY.match(registry):
                raise ValueError(f"WorkloadAdmission {name}: registry {registry!r} is not a registry host and "
                                 "path (e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/zone)")
            return admission_validations(zone_name=args.zone_name, registry=registry)

        policy_name = f"regzone-{args.zone_name}-workloads"
        policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-policy",
            metadata={"name": policy_name},
            spec={
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": [{**rule, "operations": ["CREATE", "UPDATE"]}
                                                       for rule in POD_TEMPLATE_RULES]},
                "variables": admission_variables(),
                "validations": pulumi.Output.from_input(args.registry).apply(validations),
            },
            opts=pulumi.ResourceOptions(parent=self))
        k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            f"{name}-binding",
            metadata={"name": policy_name},
            spec={
                "policyName": policy_name,
                "validationActions": ["Deny", "Audit"],
                "matchResources": {"namespaceSelector": {"matchExpressions": [{
                    "key": "kubernetes.io/metadata.name", "operator": "NotIn",
                    "values": list(args.exempt_namespaces)}]}},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        self.policy_name = policy_name
        self.register_outputs({"policy_name": policy_name})
