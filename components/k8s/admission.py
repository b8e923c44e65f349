"""Native admission for zone workloads (controls RAZ-K8S-002..004): a ValidatingAdmissionPolicy
and its binding, no extra controller. Pods and every pod-template kind are admitted only when

- every container, init container and ephemeral container image is in the zone registry and
  pinned by `@sha256:` digest;
- the pod declares its data classes and the namespace permits each of them in this zone;
- for each declared class the pod selects nodes that hold it (`data-class.regzone.io/<class>: "true"`,
  the label the zone's node groups carry, components/node_groups.py), by nodeSelector or by required
  node affinity in every term; for a class requiring confidential compute it also selects a
  confidential mode (`regzone.io/confidential`); it never names a node itself (`spec.nodeName`
  bypasses the scheduler, and EKS offers no PodNodeSelector admission plugin);
- no container is privileged and the pod shares none of the node's namespaces.

An UPDATE that leaves the pod (template) and a Pod's data-class labels unchanged is not judged again
(matchConditions): finalizer removal, label and annotation patches of running pods must not be
refused because a namespace's permitted classes changed since the pod was admitted. Status is a
subresource the policy does not match. Kubernetes documents `oldObject` as null for CREATE and
`matchConditions` as skipping the policy when one is false ("Validating Admission Policy",
kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).

Services get their own policy (`service_validations`): no externalIPs, no NodePort, and a load
balancer only as an internal NLB of the AWS Load Balancer Controller with IP targets and no node
ports (the namespace quota allows no node ports).

The CEL below is product logic: tests/test_admission_cel.py evaluates it with cel-python.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.labels import (ADMISSION_POLICY_NAMES, CONFIDENTIAL_LABEL, CONFIDENTIAL_MODES, DATA_CLASS_PREFIX,
                                   LB_CLASS, LB_INTERNAL_SCHEME, LB_IP_TARGETS, LB_LEGACY_INTERNAL_ANNOTATION,
                                   LB_SCHEME_ANNOTATION, LB_TARGET_TYPE_ANNOTATION, LB_TRUE_VALUES, NAMESPACE_PERMITS,
                                   NODE_HOLDS, ZONE_LABEL)

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
SERVICE_RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["services"]}]


def _pod_template_of(obj: str) -> str:
    """CEL: the part of `obj` (object or oldObject) that describes the pod."""
    return (f"({obj}.kind == 'Pod' ? {obj}.spec : {obj}.kind == 'CronJob' ? {obj}.spec.jobTemplate.spec.template : "
            f"{obj}.kind == 'PodTemplate' ? {obj}.template : {obj}.spec.template)")


def _data_labels_equal(data_class: str) -> str:
    """CEL: a Pod's data-class labels are the same before and after (template kinds keep them in the template)."""
    new = "(has(object.metadata.labels) ? object.metadata.labels : {})"
    old = "(has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})"
    return (f"{new}.all(k, !k.startsWith({data_class}) || (k in {old} && {old}[k] == {new}[k])) && "
            f"{old}.all(k, !k.startsWith({data_class}) || k in {new})")


def admission_match_conditions() -> list[dict[str, str]]:
    """Skip UPDATEs that change nothing the policy judges (see the module docstring)."""
    data_class = _cel_string(DATA_CLASS_PREFIX)
    return [{"name": "changes-what-is-judged", "expression": (
        f"!(request.operation == 'UPDATE' && "
        f"{_pod_template_of('object')} == {_pod_template_of('oldObject')} && "
        f"(object.kind != 'Pod' || ({_data_labels_equal(data_class)})))")}]


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
        {"name": "nodeSelector", "expression": (
            "has(variables.podSpec.nodeSelector) ? variables.podSpec.nodeSelector : {}")},
        # Required node affinity: the pod may land on a node matching ANY term, so a label is
        # selected only when EVERY term requires it.
        {"name": "nodeTerms", "expression": (
            "has(variables.podSpec.affinity) && has(variables.podSpec.affinity.nodeAffinity) && "
            "has(variables.podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) && "
            "has(variables.podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ".nodeSelectorTerms) ? variables.podSpec.affinity.nodeAffinity."
            "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms : []")},
    ]


def _selects(key: str, values: str) -> str:
    """CEL: the pod can only land on nodes whose label `key` (a CEL expression) is one of `values` (a
    CEL list), by nodeSelector or by an `In` expression in every required node affinity term."""
    return (f"(({key}) in variables.nodeSelector && variables.nodeSelector[{key}] in {values}) || "
            f"(size(variables.nodeTerms) > 0 && variables.nodeTerms.all(t, has(t.matchExpressions) && "
            f"t.matchExpressions.exists(e, e.key == ({key}) && e.operator == 'In' && has(e.values) && "
            f"size(e.values) > 0 && e.values.all(v, v in {values}))))")


def admission_validations(*, zone_name: str, registry: str,
                          confidential_classes: Sequence[str] = ()) -> list[dict[str, str]]:
    """The rules, each with the message a rejected deployer sees. `confidential_classes`: the data
    classes that require confidential compute (data_class_policy)."""
    prefix = _cel_string(registry.rstrip("/") + "/")
    data_class = _cel_string(DATA_CLASS_PREFIX)
    holds = json.dumps([NODE_HOLDS])
    confidential = [
        {"expression": (f"!{json.dumps([DATA_CLASS_PREFIX + c for c in sorted(confidential_classes)])}"
                        f".exists(k, k in variables.podLabels) || "
                        f"{_selects(_cel_string(CONFIDENTIAL_LABEL), json.dumps(sorted(CONFIDENTIAL_MODES)))}"),
         "message": (f"a data class of this workload ({', '.join(sorted(confidential_classes))}) requires "
                     f"confidential compute: select {CONFIDENTIAL_LABEL} in {sorted(CONFIDENTIAL_MODES)} by "
                     "nodeSelector or required node affinity (RAZ-K8S-002)"),
         "reason": "Forbidden"}] if confidential_classes else []
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
        {"expression": f"variables.podLabels.all(k, !k.startsWith({data_class}) || {_selects('k', holds)})",
         "message": (f"the pod must select nodes holding each of its data classes: nodeSelector "
                     f"{DATA_CLASS_PREFIX}<class>: \"{NODE_HOLDS}\" (or a required node affinity term requiring it "
                     "in every term) for every class it declares (RAZ-K8S-002)"),
         "reason": "Forbidden"},
        *confidential,
        {"expression": ("!has(variables.podSpec.nodeName) || variables.podSpec.nodeName == '' || "
                        "(request.operation == 'UPDATE' && object.kind == 'Pod' && "
                        "has(oldObject.spec.nodeName) && oldObject.spec.nodeName == variables.podSpec.nodeName)"),
         "message": "pods must not name their node (spec.nodeName bypasses placement); select nodes by label "
                    "(RAZ-K8S-002)",
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


def service_validations() -> list[dict[str, str]]:
    """Service exposure: in-cluster, nothing public; a load balancer only as described in labels.py."""
    lb = "object.spec.type == 'LoadBalancer'"
    annotations = "(has(object.metadata.annotations) ? object.metadata.annotations : {})"
    return [
        {"expression": "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
         "message": "Services must not set externalIPs (RAZ-K8S-005)", "reason": "Forbidden"},
        {"expression": (f"!({_cel_string(LB_LEGACY_INTERNAL_ANNOTATION)} in {annotations}) || "
                        f"{annotations}[{_cel_string(LB_LEGACY_INTERNAL_ANNOTATION)}] in {json.dumps(list(LB_TRUE_VALUES))}"),
         "message": (f"{LB_LEGACY_INTERNAL_ANNOTATION} must be absent or true: any other value contradicts an internal "
                     "scheme (RAZ-K8S-005)"),
         "reason": "Forbidden"},
        {"expression": "!has(object.spec.type) || object.spec.type != 'NodePort'",
         "message": "NodePort Services are not allowed; use ClusterIP or an internal load balancer (RAZ-K8S-005)",
         "reason": "Forbidden"},
        {"expression": (f"!has(object.spec.type) || !({lb}) || (has(object.spec.loadBalancerClass) && "
                        f"object.spec.loadBalancerClass == {_cel_string(LB_CLASS)} && "
                        f"{_cel_string(LB_SCHEME_ANNOTATION)} in {annotations} && "
                        f"{annotations}[{_cel_string(LB_SCHEME_ANNOTATION)}] == {_cel_string(LB_INTERNAL_SCHEME)} && "
                        f"{_cel_string(LB_TARGET_TYPE_ANNOTATION)} in {annotations} && "
                        f"{annotations}[{_cel_string(LB_TARGET_TYPE_ANNOTATION)}] == {_cel_string(LB_IP_TARGETS)} && "
                        "has(object.spec.allocateLoadBalancerNodePorts) && "
                        "object.spec.allocateLoadBalancerNodePorts == false)"),
         "message": (f"a LoadBalancer Service must be an internal NLB of the AWS Load Balancer Controller: "
                     f"loadBalancerClass {LB_CLASS}, {LB_SCHEME_ANNOTATION}: {LB_INTERNAL_SCHEME}, "
                     f"{LB_TARGET_TYPE_ANNOTATION}: {LB_IP_TARGETS} and allocateLoadBalancerNodePorts: false "
                     "(RAZ-K8S-005)"),
         "reason": "Forbidden"},
    ]


@dataclass
class WorkloadAdmissionArgs:
    zone_name: str
    # The zone's ECR registry and repository prefix, e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai
    registry: pulumi.Input[str]
    exempt_namespaces: Sequence[str] = field(default_factory=lambda: list(SYSTEM_NAMESPACES))
    # Data classes that require confidential compute (data_class_policy).
    confidential_classes: Sequence[str] = ()


class WorkloadAdmission(pulumi.ComponentResource):
    """The zone's ValidatingAdmissionPolicy and its binding (Deny + Audit, fail closed)."""

    def __init__(self, name: str, args: WorkloadAdmissionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:WorkloadAdmission", name, None, opts)
        def validations(registry: str) -> list[dict[str, str]]:
            if not _REGISTRY.match(registry):
                raise ValueError(f"WorkloadAdmission {name}: registry {registry!r} is not a registry host and "
                                 "path (e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/zone)")
            return admission_validations(zone_name=args.zone_name, registry=registry,
                                         confidential_classes=args.confidential_classes)

        policy_name, service_policy_name = (name.format(zone=args.zone_name) for name in ADMISSION_POLICY_NAMES)
        policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-policy",
            metadata={"name": policy_name},
            spec={
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": [{**rule, "operations": ["CREATE", "UPDATE"]}
                                                       for rule in POD_TEMPLATE_RULES]},
                "matchConditions": admission_match_conditions(),
                "variables": admission_variables(),
                "validations": pulumi.Output.from_input(args.registry).apply(validations),
            },
            opts=pulumi.ResourceOptions(parent=self))
        selector = {"namespaceSelector": {"matchExpressions": [{
            "key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": list(args.exempt_namespaces)}]}}
        self._bind(f"{name}-binding", policy_name, policy, selector)
        service_policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-services",
            metadata={"name": service_policy_name},
            spec={"failurePolicy": "Fail",
                  "matchConstraints": {"resourceRules": [{**rule, "operations": ["CREATE", "UPDATE"]}
                                                         for rule in SERVICE_RULES]},
                  "validations": service_validations()},
            opts=pulumi.ResourceOptions(parent=self))
        self._bind(f"{name}-services-binding", service_policy_name, service_policy, selector)
        self.policy_name = policy_name
        self.register_outputs({"policy_name": policy_name})

    def _bind(self, name: str, policy_name: str, policy: pulumi.Resource, match: dict) -> None:
        k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            name, metadata={"name": policy_name},
            spec={"policyName": policy_name, "validationActions": ["Deny", "Audit"], "matchResources": match},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
