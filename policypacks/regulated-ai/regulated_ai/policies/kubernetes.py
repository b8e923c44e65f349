"""Kubernetes workload guardrails at preview (controls RAZ-K8S-*).

The same rules as the in-cluster ValidatingAdmissionPolicy (components/k8s/admission.py), applied
before anything reaches the cluster, to every pod-template kind (`K8S_POD_TEMPLATE_PATHS`).
The zone registry is any private Amazon ECR registry in a region the pack settings allow
(`allowed_regions` and the zones' `regions`); nothing configured allows no registry.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from components.k8s.labels import (DATA_CLASS_PREFIX, INTERNAL_LB_ANNOTATIONS, NODE_AGENT_HOST_PATHS,
                                   NODE_AGENT_NAMESPACE, PSA_LABEL, PSA_LEVEL, PSA_MODES, ZONE_LABEL)
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.types import (K8S_CLUSTER_ROLE_BINDINGS, K8S_DAEMON_SETS, K8S_NAMESPACE, K8S_NETWORK_POLICIES,
                                K8S_POD_TEMPLATE_PATHS, K8S_ROLE_BINDINGS, K8S_SERVICE)
from regulated_ai.values import Unverifiable, is_unknown

POD_KINDS = list(K8S_POD_TEMPLATE_PATHS)
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/[a-z0-9][a-z0-9._/-]*")
_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}$")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
CLUSTER_ADMIN = "cluster-admin"


def _known(value: Any, path: str) -> Any:
    if is_unknown(value):
        raise Unverifiable(path)
    return value


def _pod_spec(resource: ResourceView) -> tuple[str, dict]:
    path = K8S_POD_TEMPLATE_PATHS[resource.type]
    spec = resource.known(path)
    if not isinstance(spec, dict):
        raise Unverifiable(path)
    return path, spec


def _containers(resource: ResourceView) -> Iterator[tuple[str, dict]]:
    """(`path`, container) for every container, init container and ephemeral container."""
    path, spec = _pod_spec(resource)
    for key in _CONTAINER_LISTS:
        containers = _known(spec.get(key) or [], f"{path}.{key}")
        for index, container in enumerate(containers):
            yield f"{path}.{key}[{index}]", _known(container, f"{path}.{key}[{index}]")


def _where(resource: ResourceView) -> str:
    return f"{resource.type.rsplit(':', 1)[1]} '{resource.name}'"


def _node_agent(resource: ResourceView) -> bool:
    """A DaemonSet in the node agents' namespace (device plugins, components/k8s/device_plugins.py)
    that can do no more than a device plugin needs: no service-account token, every container
    without capabilities or privilege escalation, host paths only among NODE_AGENT_HOST_PATHS. It
    holds no data class and writes a socket into the kubelet's directory as root, so the
    data-class and non-root rules do not apply to it. Every other rule does: zone registry, digest,
    not privileged, no host namespaces. Anything more (a token, a capability, another host path)
    makes it a workload like any other."""
    if resource.type not in K8S_DAEMON_SETS or _known(resource.get("metadata.namespace"),
                                                      "metadata.namespace") != NODE_AGENT_NAMESPACE:
        return False
    path, spec = _pod_spec(resource)
    if _known(spec.get("automountServiceAccountToken"), f"{path}.automountServiceAccountToken") is not False:
        return False
    for index, volume in enumerate(_known(spec.get("volumes") or [], f"{path}.volumes")):
        host_path = _known(volume, f"{path}.volumes[{index}]").get("hostPath")
        if host_path is not None and _known(host_path, f"{path}.volumes[{index}].hostPath").get(
                "path") not in NODE_AGENT_HOST_PATHS:
            return False
    for where, container in _containers(resource):
        context = _known(container.get("securityContext") or {}, f"{where}.securityContext")
        drop = _known((context.get("capabilities") or {}).get("drop") or [], f"{where}.securityContext.capabilities")
        add = _known((context.get("capabilities") or {}).get("add") or [], f"{where}.securityContext.capabilities")
        if "ALL" not in drop or add or _known(context.get("allowPrivilegeEscalation"),
                                              f"{where}.securityContext.allowPrivilegeEscalation") is not False:
            return False
    return True


def _registry_regions(resource: ResourceView) -> set[str]:
    settings = resource.settings
    return set(settings.allowed_regions) | {r for zone in settings.zones.values() for r in zone.regions}


@resource_policy(
    "k8s-namespace-pod-security-restricted",
    description="Namespaces must enforce, audit and warn at the Pod Security Standard 'restricted'.",
    controls=["RAZ-K8S-001"], types=[K8S_NAMESPACE])
def namespace_pod_security_restricted(ns: ResourceView) -> Iterator[str]:
    labels = ns.known("metadata.labels", {}) or {}
    for mode in PSA_MODES:
        key = PSA_LABEL.format(mode=mode)
        value = _known(labels.get(key), f"metadata.labels.{key}")
        if value != PSA_LEVEL:
            yield f"Namespace '{ns.name}' has {key}={value!r}; set it to '{PSA_LEVEL}'."


@resource_policy(
    "k8s-namespace-data-class-label",
    description="Namespaces must name their zone and the data classes they permit, each allowed in that zone.",
    controls=["RAZ-K8S-002"], types=[K8S_NAMESPACE])
def namespace_data_class_label(ns: ResourceView) -> Iterator[str]:
    labels = ns.known("metadata.labels", {}) or {}
    if any(is_unknown(k) for k in labels):
        raise Unverifiable("metadata.labels")
    classes = sorted(k.removeprefix(DATA_CLASS_PREFIX) for k in labels if k.startswith(DATA_CLASS_PREFIX))
    if not classes:
        yield (f"Namespace '{ns.name}' has no data-class label: add '{DATA_CLASS_PREFIX}<class>: permitted' "
               "for each data class the zone permits here, so admission can place workloads.")
        return
    zone = _known(labels.get(ZONE_LABEL), f"metadata.labels.{ZONE_LABEL}")
    if not zone:
        yield f"Namespace '{ns.name}' permits data classes but has no '{ZONE_LABEL}' label naming its zone."
        return
    rules = ns.settings.data_class_policy
    for data_class in classes:
        rule = rules.get(data_class)
        if rule is None:
            defined = ", ".join(sorted(rules)) or "none (set data_class_policy in the pack config)"
            yield (f"Namespace '{ns.name}' permits data class '{data_class}', which the pack's data_class_policy "
                   f"does not define; defined: {defined}.")
        elif zone not in rule.allowed_zones:
            yield (f"Namespace '{ns.name}' of zone '{zone}' permits data class '{data_class}', which "
                   f"data_class_policy allows only in {', '.join(rule.allowed_zones)}.")


@resource_policy(
    "k8s-workload-data-class-label",
    description="Pods and pod templates must declare their data classes (data-class.regzone.io/<class>).",
    controls=["RAZ-K8S-002"], types=POD_KINDS)
def workload_data_class_label(resource: ResourceView) -> Iterator[str]:
    if _node_agent(resource):
        return
    path = K8S_POD_TEMPLATE_PATHS[resource.type].removesuffix("spec") + "metadata.labels"
    labels = resource.known(path, {}) or {}
    if any(is_unknown(k) for k in labels):
        raise Unverifiable(path)
    if not any(k.startswith(DATA_CLASS_PREFIX) for k in labels):
        yield (f"{_where(resource)} declares no data class: label the pod template "
               f"'{DATA_CLASS_PREFIX}<class>: \"true\"' so that admission can check its placement.")


@resource_policy(
    "k8s-image-zone-registry",
    description="Every container image must come from the zone's private ECR registry.",
    controls=["RAZ-K8S-003"], types=POD_KINDS)
def image_zone_registry(resource: ResourceView) -> Iterator[str]:
    regions = _registry_regions(resource)
    for path, container in _containers(resource):
        image = _known(container.get("image"), f"{path}.image")
        match = _ECR_IMAGE.match(image or "")
        if match is None:
            yield (f"{_where(resource)}: {path}.image '{image}' is not from a private ECR registry; "
                   "promote it into the zone registry and reference it there.")
        elif match["region"] not in regions:
            allowed = ", ".join(sorted(regions)) or "none (set allowed_regions or zones in the pack config)"
            yield (f"{_where(resource)}: {path}.image '{image}' is from a registry in {match['region']}; "
                   f"allowed registry regions: {allowed}.")


@resource_policy(
    "k8s-image-pinned-digest",
    description="Every container image must be pinned by digest (@sha256:...).",
    controls=["RAZ-K8S-003"], types=POD_KINDS)
def image_pinned_digest(resource: ResourceView) -> Iterator[str]:
    for path, container in _containers(resource):
        image = _known(container.get("image"), f"{path}.image")
        if not _DIGEST.search(image or ""):
            yield (f"{_where(resource)}: {path}.image '{image}' is not pinned by digest; "
                   "reference it as <repository>@sha256:<digest>.")


@resource_policy(
    "k8s-no-privileged-containers",
    description="No container may run privileged or allow privilege escalation to it.",
    controls=["RAZ-K8S-004"], types=POD_KINDS)
def no_privileged_containers(resource: ResourceView) -> Iterator[str]:
    for path, container in _containers(resource):
        context = _known(container.get("securityContext") or {}, f"{path}.securityContext")
        if _known(context.get("privileged"), f"{path}.securityContext.privileged") is True:
            yield f"{_where(resource)}: {path} is privileged; remove securityContext.privileged."


@resource_policy(
    "k8s-no-host-namespaces",
    description="Pods must not share the node's network, PID or IPC namespaces.",
    controls=["RAZ-K8S-004"], types=POD_KINDS)
def no_host_namespaces(resource: ResourceView) -> Iterator[str]:
    path, spec = _pod_spec(resource)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if _known(spec.get(key), f"{path}.{key}") is True:
            yield f"{_where(resource)} sets {path}.{key}: true; pods must not share the node's namespaces."


@resource_policy(
    "k8s-run-as-non-root",
    description="Every container must run as non-root (runAsNonRoot on the pod or the container).",
    controls=["RAZ-K8S-004"], types=POD_KINDS)
def run_as_non_root(resource: ResourceView) -> Iterator[str]:
    if _node_agent(resource):
        return
    path, spec = _pod_spec(resource)
    pod_context = _known(spec.get("securityContext") or {}, f"{path}.securityContext")
    pod_value = _known(pod_context.get("runAsNonRoot"), f"{path}.securityContext.runAsNonRoot")
    for container_path, container in _containers(resource):
        context = _known(container.get("securityContext") or {}, f"{container_path}.securityContext")
        value = _known(context.get("runAsNonRoot"), f"{container_path}.securityContext.runAsNonRoot")
        effective = pod_value if value is None else value
        if effective is not True:
            yield (f"{_where(resource)}: {container_path} may run as root; set securityContext.runAsNonRoot: true "
                   "on the pod or the container.")


@resource_policy(
    "k8s-service-internal-only",
    description="LoadBalancer and NodePort Services must carry the internal load balancer annotation.",
    controls=["RAZ-K8S-005"], types=[K8S_SERVICE])
def service_internal_only(service: ResourceView) -> Iterator[str]:
    kind = service.known("spec.type", "ClusterIP")
    if kind not in ("LoadBalancer", "NodePort"):
        return
    annotations = service.known("metadata.annotations", {}) or {}
    for key, values in INTERNAL_LB_ANNOTATIONS.items():
        if _known(annotations.get(key), f"metadata.annotations.{key}") in values:
            return
    yield (f"Service '{service.name}' is of type {kind} without an internal annotation; annotate it "
           "'service.beta.kubernetes.io/aws-load-balancer-scheme: internal' or use ClusterIP behind the gateway.")


def _subject_ids(subject: dict) -> set[str]:
    kind, name = subject.get("kind"), subject.get("name")
    ids = {str(name), f"{kind}:{name}"}
    if kind == "ServiceAccount":
        ids.add(f"system:serviceaccount:{subject.get('namespace')}:{name}")
    return ids


@resource_policy(
    "k8s-no-cluster-admin-binding",
    description="Only break-glass subjects may be bound to the cluster-admin ClusterRole.",
    controls=["RAZ-K8S-007"], types=[*K8S_CLUSTER_ROLE_BINDINGS, *K8S_ROLE_BINDINGS])
def no_cluster_admin_binding(binding: ResourceView) -> Iterator[str]:
    break_glass = set(binding.settings.break_glass_subjects)
    if binding.known("roleRef.name") != CLUSTER_ADMIN:
        return
    subjects = binding.known("subjects", []) or []
    for index, subject in enumerate(subjects):
        subject = _known(subject, f"subjects[{index}]")
        if not _subject_ids(subject) & break_glass:
            yield (f"'{binding.name}' binds {subject.get('kind')} '{subject.get('name')}' to cluster-admin; "
                   "bind a duty role instead, or list the subject in break_glass_subjects.")


def is_default_deny(policy: ResourceView) -> bool:
    selector = policy.get("spec.podSelector")
    types = policy.get("spec.policyTypes") or []
    return (selector == {} and not is_unknown(types) and {"Ingress", "Egress"} <= set(types)
            and not policy.get("spec.ingress") and not policy.get("spec.egress"))


@stack_policy(
    "k8s-namespace-default-deny",
    description="Every namespace the stack creates must have a default-deny ingress and egress NetworkPolicy.",
    controls=["RAZ-K8S-006"])
def namespace_default_deny(stack: StackView) -> Iterator[tuple[str, str]]:
    denied = set()
    for policy in stack.of_type(*K8S_NETWORK_POLICIES):
        namespace = policy.known("metadata.namespace")
        if is_default_deny(policy):
            denied.add(namespace)
    for ns in stack.of_type(K8S_NAMESPACE):
        name = ns.known("metadata.name") or ns.name
        if name not in denied:
            yield ns.urn, (f"Namespace '{name}' has no default-deny NetworkPolicy (podSelector {{}}, "
                           "policyTypes [Ingress, Egress], no rules); create it with RegulatedNamespace.")
