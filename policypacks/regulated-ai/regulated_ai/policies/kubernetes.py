"""Kubernetes workload guardrails at preview (controls RAZ-K8S-*).

The same rules as the in-cluster ValidatingAdmissionPolicy (components/k8s/admission.py), applied
before anything reaches the cluster, to every pod-template kind of every API version
(`K8S_POD_TEMPLATE_PATHS`), to each item of their `...List` types and to their `...Patch` types. A
patch changes an existing object, so it is judged on what it sets: a container it names without an
image keeps its image, a `runAsNonRoot` it leaves out keeps its value, but whatever it sets must obey
the rule. The zone registry is any private Amazon ECR registry in a region the pack settings allow
(`allowed_regions` and the zones' `regions`); nothing configured allows no registry.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from components.k8s.labels import (DATA_CLASS_PREFIX, LB_IP_TARGETS, LB_TARGET_TYPE_ANNOTATION, NODE_AGENT_HOST_PATHS,
                                   NODE_AGENT_NAMESPACE, PSA_LABEL, PSA_LEVEL, PSA_MODES, ZONE_LABEL)
from regulated_ai.custom_resources import declares_pod_labels, is_custom_resource
from regulated_ai.exposure import service_exposed
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.kubernetes_objects import holds_pods, is_patch, objects, workloads
from regulated_ai.registry import foreign_image
from regulated_ai.types import (K8S_BINDINGS, K8S_DAEMON_SETS, K8S_LISTS, K8S_NAMESPACES, K8S_NETWORK_POLICIES,
                                K8S_POD_TEMPLATE_PATHS, K8S_SERVICES, lists, patches)
from regulated_ai.values import Unverifiable, as_bool, is_unknown, unverifiable

NAMESPACE_TYPES = [*K8S_NAMESPACES, *(t for t, item in K8S_LISTS.items() if item in K8S_NAMESPACES)]
SERVICE_TYPES = [*K8S_SERVICES, *(t for t, item in K8S_LISTS.items() if item in K8S_SERVICES)]
BINDING_TYPES = [*K8S_BINDINGS, *patches(K8S_BINDINGS), *lists(K8S_BINDINGS)]
NETWORK_POLICY_TYPES = [*K8S_NETWORK_POLICIES, *patches(K8S_NETWORK_POLICIES), *lists(K8S_NETWORK_POLICIES)]
_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}$")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
CLUSTER_ADMIN = "cluster-admin"


def _known(value: Any, path: str) -> Any:
    if is_unknown(value):
        raise unverifiable(value, path)
    return value


def _pod_spec(resource: ResourceView) -> tuple[str, dict]:
    path = K8S_POD_TEMPLATE_PATHS[resource.type]
    spec = resource.known(path)
    if spec is None and is_patch(resource):
        return path, {}  # the patch leaves the pod spec as it is
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
    makes it a workload like any other. It is judged per object: a DaemonSet item of a `...List`
    qualifies as a DaemonSet would; a `...Patch` never does, since what it leaves out (a token,
    another container, another volume) keeps the live object's values, which the patch cannot prove."""
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


@resource_policy(
    "k8s-namespace-pod-security-restricted",
    description="Namespaces must enforce, audit and warn at the Pod Security Standard 'restricted'.",
    controls=["RAZ-K8S-001"], types=NAMESPACE_TYPES)
def namespace_pod_security_restricted(resource: ResourceView) -> Iterator[str]:
    for ns in objects(resource):
        labels = ns.known("metadata.labels", {}) or {}
        for mode in PSA_MODES:
            key = PSA_LABEL.format(mode=mode)
            value = _known(labels.get(key), f"metadata.labels.{key}")
            if value != PSA_LEVEL and not (is_patch(ns) and value is None):
                yield f"Namespace '{ns.name}' has {key}={value!r}; set it to '{PSA_LEVEL}'."


@resource_policy(
    "k8s-namespace-data-class-label",
    description="Namespaces must name their zone and the data classes they permit, each allowed in that zone.",
    controls=["RAZ-K8S-002"], types=NAMESPACE_TYPES)
def namespace_data_class_label(resource: ResourceView) -> Iterator[str]:
    for ns in objects(resource):
        yield from _namespace_data_classes(ns)


def _namespace_data_classes(ns: ResourceView) -> Iterator[str]:
    labels = ns.known("metadata.labels", {}) or {}
    if any(is_unknown(k) for k in labels):
        raise Unverifiable("metadata.labels")
    classes = sorted(k.removeprefix(DATA_CLASS_PREFIX) for k in labels if k.startswith(DATA_CLASS_PREFIX))
    if not classes:
        if not is_patch(ns):  # a patch that permits no class leaves the namespace's classes as they are
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
    controls=["RAZ-K8S-002"], types=lambda t: holds_pods(t) and not t.endswith("Patch"))
def workload_data_class_label(resource: ResourceView) -> Iterator[str]:
    if is_custom_resource(resource.type) and not declares_pod_labels(resource.type):
        return  # a serving runtime: its pods carry the labels of the object that uses it
    for workload in workloads(resource):
        if _node_agent(workload):
            continue
        path = K8S_POD_TEMPLATE_PATHS[workload.type].removesuffix("spec") + "metadata.labels"
        labels = workload.known(path, {}) or {}
        if any(is_unknown(k) for k in labels):
            raise Unverifiable(path)
        if not any(k.startswith(DATA_CLASS_PREFIX) for k in labels):
            yield (f"{_where(workload)} declares no data class: label the pod template "
                   f"'{DATA_CLASS_PREFIX}<class>: \"true\"' so that admission can check its placement.")


def _images(resource: ResourceView) -> Iterator[tuple[ResourceView, str, str]]:
    """(object, path, image) of every container image the resource sets; a patch may name a container
    without an image (it keeps its image), anything else must have one."""
    for workload in workloads(resource):
        for path, container in _containers(workload):
            image = _known(container.get("image"), f"{path}.image")
            if image is not None or not is_patch(workload):
                yield workload, path, image


@resource_policy(
    "k8s-image-zone-registry",
    description="Every container image must come from the zone's private ECR registry.",
    controls=["RAZ-K8S-003"], types=holds_pods)
def image_zone_registry(resource: ResourceView) -> Iterator[str]:
    for workload, path, image in _images(resource):
        problem = foreign_image(image, resource.settings)
        if problem:
            yield f"{_where(workload)}: {path}.image '{image}' {problem}."


@resource_policy(
    "k8s-image-pinned-digest",
    description="Every container image must be pinned by digest (@sha256:...).",
    controls=["RAZ-K8S-003"], types=holds_pods)
def image_pinned_digest(resource: ResourceView) -> Iterator[str]:
    for workload, path, image in _images(resource):
        if not _DIGEST.search(image or ""):
            yield (f"{_where(workload)}: {path}.image '{image}' is not pinned by digest; "
                   "reference it as <repository>@sha256:<digest>.")


@resource_policy(
    "k8s-no-privileged-containers",
    description="No container may run privileged.",
    controls=["RAZ-K8S-004"], types=holds_pods)
def no_privileged_containers(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        for path, container in _containers(workload):
            context = _known(container.get("securityContext") or {}, f"{path}.securityContext")
            if as_bool(context.get("privileged"), f"{path}.securityContext.privileged") is True:
                yield f"{_where(workload)}: {path} is privileged; remove securityContext.privileged."


@resource_policy(
    "k8s-no-host-namespaces",
    description="Pods must not share the node's network, PID or IPC namespaces.",
    controls=["RAZ-K8S-004"], types=holds_pods)
def no_host_namespaces(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        path, spec = _pod_spec(workload)
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if as_bool(spec.get(key), f"{path}.{key}") is True:
                yield f"{_where(workload)} sets {path}.{key}: true; pods must not share the node's namespaces."


@resource_policy(
    "k8s-run-as-non-root",
    description="Every container must run as non-root (runAsNonRoot on the pod or the container); a patch may "
                "not turn it off.",
    controls=["RAZ-K8S-004"], types=holds_pods)
def run_as_non_root(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        if _node_agent(workload):
            continue
        path, spec = _pod_spec(workload)
        pod_context = _known(spec.get("securityContext") or {}, f"{path}.securityContext")
        pod_value = as_bool(pod_context.get("runAsNonRoot"), f"{path}.securityContext.runAsNonRoot")
        if is_patch(workload) and pod_value is False:
            yield f"{_where(workload)} sets {path}.securityContext.runAsNonRoot: false; pods must run as non-root."
        for container_path, container in _containers(workload):
            context = _known(container.get("securityContext") or {}, f"{container_path}.securityContext")
            value = as_bool(context.get("runAsNonRoot"), f"{container_path}.securityContext.runAsNonRoot")
            effective = pod_value if value is None else value
            if effective is False or (effective is None and not is_patch(workload)):
                yield (f"{_where(workload)}: {container_path} may run as root; set securityContext.runAsNonRoot: "
                       "true on the pod or the container.")


# What the restricted Pod Security Standard allows a container (kubernetes.io/docs/concepts/security/
# pod-security-standards/, "Restricted": allowPrivilegeEscalation must be false, capabilities must drop
# ALL and may add only NET_BIND_SERVICE; "Baseline": no hostPath volumes).
ALLOWED_ADDED_CAPABILITIES = ("NET_BIND_SERVICE",)


def _security_context(container: dict, where: str) -> dict:
    context = _known(container.get("securityContext") or {}, f"{where}.securityContext")
    if not isinstance(context, dict):
        raise ValueError(f"`{where}.securityContext` is not a map")
    return context


@resource_policy(
    "k8s-no-privilege-escalation",
    description="Every container sets allowPrivilegeEscalation: false; a patch may not set it true.",
    controls=["RAZ-K8S-009"], types=holds_pods)
def no_privilege_escalation(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        for path, container in _containers(workload):
            where = f"{path}.securityContext.allowPrivilegeEscalation"
            value = as_bool(_security_context(container, path).get("allowPrivilegeEscalation"), where)
            if value is True or (value is None and not is_patch(workload)):
                yield (f"{_where(workload)}: {path} may escalate privileges (setuid binaries, file capabilities); "
                       "set securityContext.allowPrivilegeEscalation: false.")


@resource_policy(
    "k8s-capabilities-dropped",
    description="Every container drops ALL Linux capabilities and adds none but NET_BIND_SERVICE; a patch may "
                "not add one or replace the drop list without ALL.",
    controls=["RAZ-K8S-009"], types=holds_pods)
def capabilities_dropped(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        for path, container in _containers(workload):
            capabilities = _known(_security_context(container, path).get("capabilities") or {},
                                  f"{path}.securityContext.capabilities")
            drop = _known(capabilities.get("drop"), f"{path}.securityContext.capabilities.drop")
            add = _known(capabilities.get("add") or [], f"{path}.securityContext.capabilities.add")
            dropped = [_known(c, f"{path}.securityContext.capabilities.drop") for c in drop or []]
            added = [_known(c, f"{path}.securityContext.capabilities.add") for c in add]
            if "ALL" not in dropped and not (drop is None and is_patch(workload)):
                yield (f"{_where(workload)}: {path} keeps the runtime's default capabilities "
                       f"(drop {dropped or 'nothing'}); set securityContext.capabilities.drop: [ALL].")
            extra = sorted(str(c) for c in added if c not in ALLOWED_ADDED_CAPABILITIES)
            if extra:
                yield (f"{_where(workload)}: {path} adds capabilities {extra}; only "
                       f"{', '.join(ALLOWED_ADDED_CAPABILITIES)} may be added.")


@resource_policy(
    "k8s-no-host-paths",
    description="Pods mount no hostPath volume; a node agent in the node agents' namespace only the paths a device "
                "plugin needs.",
    controls=["RAZ-K8S-009"], types=holds_pods)
def no_host_paths(resource: ResourceView) -> Iterator[str]:
    for workload in workloads(resource):
        node_agent = _node_agent(workload)
        path, spec = _pod_spec(workload)
        for index, volume in enumerate(_known(spec.get("volumes") or [], f"{path}.volumes")):
            host_path = _known(volume, f"{path}.volumes[{index}]").get("hostPath")
            if host_path is None:
                continue
            mounted = _known(_known(host_path, f"{path}.volumes[{index}].hostPath").get("path"),
                             f"{path}.volumes[{index}].hostPath.path")
            if not (node_agent and mounted in NODE_AGENT_HOST_PATHS):
                yield (f"{_where(workload)} mounts the node's {mounted!r} ({path}.volumes[{index}].hostPath); "
                       "pods must not reach the node's filesystem: use a volume of the cluster instead.")


@resource_policy(
    "k8s-service-internal-only",
    description="Services are exposed only as the in-cluster admission allows: no externalIPs or NodePort, and a "
                "LoadBalancer only as an internal NLB of the AWS Load Balancer Controller with IP targets and no "
                "node ports.",
    controls=["RAZ-K8S-005"], types=SERVICE_TYPES)
def service_internal_only(resource: ResourceView) -> Iterator[str]:
    """The preview side of components/k8s/admission.py `service_validations`: what exposes a Service
    (regulated_ai/exposure.py), and what the controller needs to provision an internal NLB that
    uses no node ports (the namespace quota allows none). A patch is judged on what it sets."""
    for service in objects(resource):
        for reason in service_exposed(service):
            yield f"Service '{service.name}' {reason}."
        annotations = service.known("metadata.annotations", {}) or {}
        target = _known(annotations.get(LB_TARGET_TYPE_ANNOTATION), f"metadata.annotations.{LB_TARGET_TYPE_ANNOTATION}")
        allocate = as_bool(service.get("spec.allocateLoadBalancerNodePorts"), "spec.allocateLoadBalancerNodePorts")
        kind = service.known("spec.type", None if is_patch(service) else "ClusterIP")
        wrong = []
        if kind == "LoadBalancer" or (kind is None and target not in (None, LB_IP_TARGETS)):
            wrong += [] if target == LB_IP_TARGETS else [f"{LB_TARGET_TYPE_ANNOTATION}: {target!r}"]
        if kind == "LoadBalancer" or (kind is None and allocate):
            wrong += [] if allocate is False else [f"allocateLoadBalancerNodePorts: {allocate!r}"]
        if wrong:
            yield (f"Service '{service.name}' has {', '.join(wrong)}; a LoadBalancer Service needs "
                   f"{LB_TARGET_TYPE_ANNOTATION}: {LB_IP_TARGETS} and allocateLoadBalancerNodePorts: false "
                   "(IP targets, no node ports), which the in-cluster admission requires.")


def _subject_ids(subject: dict) -> set[str]:
    kind, name = subject.get("kind"), subject.get("name")
    ids = {str(name), f"{kind}:{name}"}
    if kind == "ServiceAccount":
        ids.add(f"system:serviceaccount:{subject.get('namespace')}:{name}")
    return ids


def grants_cluster_admin(binding: ResourceView) -> bool:
    """A binding to the cluster-admin ClusterRole; a patch of the built-in `cluster-admin` binding
    (roleRef cannot change, so a patch of it names no roleRef) adds its subjects to it."""
    role = binding.known("roleRef.name")
    return role == CLUSTER_ADMIN or (role is None and is_patch(binding)
                                     and binding.known("metadata.name") == CLUSTER_ADMIN)


@resource_policy(
    "k8s-no-cluster-admin-binding",
    description="Only break-glass subjects may be bound to the cluster-admin ClusterRole.",
    controls=["RAZ-K8S-007"], types=BINDING_TYPES)
def no_cluster_admin_binding(resource: ResourceView) -> Iterator[str]:
    for binding in objects(resource):
        if not grants_cluster_admin(binding):
            continue
        break_glass = set(binding.settings.break_glass_subjects)
        for index, subject in enumerate(binding.known("subjects", []) or []):
            subject = _known(subject, f"subjects[{index}]")
            if not _subject_ids(subject) & break_glass:
                yield (f"'{binding.name}' binds {subject.get('kind')} '{subject.get('name')}' to cluster-admin; "
                       "bind a duty role instead, or list the subject in break_glass_subjects.")


def _has_rules(policy: ResourceView, direction: str) -> bool:
    """Whether `spec.<direction>` holds any rule. A default deny has none, whatever a rule would say,
    so only presence is read; a rule list unknown as a whole cannot be judged."""
    rules = policy.reference(f"spec.{direction}")
    if is_unknown(rules):
        raise Unverifiable(f"spec.{direction}", policy.urn)
    return bool(rules)


def is_default_deny(policy: ResourceView) -> bool:
    selector = policy.get("spec.podSelector")
    types = policy.get("spec.policyTypes") or []
    return (selector == {} and not is_unknown(types) and {"Ingress", "Egress"} <= set(types)
            and not _has_rules(policy, "ingress") and not _has_rules(policy, "egress"))


def default_deny_namespaces(stack: StackView) -> set[str]:
    """Namespaces with a default-deny NetworkPolicy (of any version, or an item of a List) that no
    patch in the stack turns into something else."""
    denying: dict[str, set[str]] = {}  # namespace -> names of its default-deny policies
    changed: set[tuple[str, str]] = set()  # (namespace, name) a patch makes something else
    for resource in stack.of_type(*NETWORK_POLICY_TYPES):
        for policy in objects(resource):
            key = (policy.known("metadata.namespace"), policy.known("metadata.name"))
            if is_default_deny(policy):
                denying.setdefault(key[0], set()).add(key[1])
            elif is_patch(policy) and policy.get("spec") not in (None, {}):
                changed.add(key)
    return {namespace for namespace, names in denying.items()
            if names - {name for ns, name in changed if ns == namespace}}


@stack_policy(
    "k8s-namespace-default-deny",
    description="Every namespace the stack creates must have a default-deny ingress and egress NetworkPolicy, "
                "which no patch turns into something else.",
    controls=["RAZ-K8S-006"], types=[*NAMESPACE_TYPES, *NETWORK_POLICY_TYPES])
def namespace_default_deny(stack: StackView) -> Iterator[tuple[str, str]]:
    denying = default_deny_namespaces(stack)
    for resource in stack.of_type(*NAMESPACE_TYPES):
        if is_patch(resource):
            continue  # patches an existing namespace; the stack that creates it carries its policy
        for ns in objects(resource):
            name = ns.known("metadata.name") or ns.name
            if name not in denying:
                yield resource.urn, (f"Namespace '{name}' has no default-deny NetworkPolicy (podSelector {{}}, "
                                     "policyTypes [Ingress, Egress], no rules), or a patch in this stack changes it; "
                                     "create it with RegulatedNamespace.")
