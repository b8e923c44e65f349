"""Custom resources whose operators create pods from the pod specs they carry (training and serving
operators), presented to the pod rules as the pod templates they are.

pulumi-kubernetes registers a custom resource as `kubernetes:<group>/<version>:<Kind>` (and its
server-side apply patch as `...<Kind>Patch`), the token `apiextensions.CustomResource` builds at run
time from `apiVersion` and `kind`; its manifest is the resource's properties. A pod spec hides in such
an object in two forms: a pod template (`metadata` + `spec` with `containers`), or a pod spec written
inline with extension fields beside it (KServe components).

The operators the zone's users run are read at the paths of their CRD schemas (`KNOWN_CARRIERS`), and
an unknown on such a path cannot be judged. Every other mapping that holds `containers` in any custom
resource is judged as a pod spec too (a structural scan): an operator the pack does not know is no way
around the rules. The scan cannot see into a value unknown at preview; the zone's admission policy
still judges the pods such an operator creates (components/k8s/admission.py matches Pods).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from regulated_ai.framework import ResourceView
from regulated_ai.values import Unverifiable, is_unknown, unknown_path

# The API groups of the pulumi-kubernetes SDK's own resource types (tests/test_custom_resources.py
# derives them from the pinned SDK) and of its components (Helm charts, YAML, Kustomize), whose
# children reach the pack as resources of their own: every other group is a custom resource's.
COMPONENT_GROUPS = frozenset({"helm.sh", "yaml", "kustomize"})
BUILT_IN_GROUPS = COMPONENT_GROUPS | {
    "core", "apps", "batch", "extensions", "policy", "autoscaling", "meta", "networking.k8s.io",
    "rbac.authorization.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
    "auditregistration.k8s.io", "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io", "lifecycle.k8s.io", "node.k8s.io", "resource.k8s.io", "scheduling.k8s.io",
    "settings.k8s.io", "storage.k8s.io", "storagemigration.k8s.io"}
POD_TEMPLATE = "kubernetes:core/v1:PodTemplate"

TEMPLATE, INLINE = "template", "inline"
# KServe: each component (predictor, transformer, explainer) is a pod spec with extension fields inline
# (`containers`, `volumes`, `securityContext`, ... and `labels`/`annotations` "added to the component
# pod"), plus at most one framework or `model` container, which is a container spec inline; `workerSpec`
# (multi-node serving) is another inline pod spec. KServe API reference, serving.kserve.io/v1beta1
# (kserve.github.io/website, "Control Plane API": PredictorSpec, ComponentExtensionSpec, WorkerSpec).
KSERVE_CONTAINER_KEYS = ("model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml",
                         "lightgbm", "paddle", "huggingface", "alibi", "art")
_KSERVE_COMPONENTS = ((INLINE, "spec.predictor"), (INLINE, "spec.transformer"), (INLINE, "spec.explainer"),
                      (INLINE, "spec.predictor.workerSpec"))
_RAY_CLUSTER = ("headGroupSpec.template", "workerGroupSpecs.*.template")


def _replica_specs(key: str) -> tuple[tuple[str, str], ...]:
    return ((TEMPLATE, f"spec.{key}.*.template"),)


# (group, Kind) -> (form, path) of each pod spec, `*` for every entry of a map or list. Kubeflow
# training operator (kubeflow.org/v1: PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob; mpi-operator
# kubeflow.org/v2beta1 MPIJob): `spec.<x>ReplicaSpecs.<role>.template` is a PodTemplateSpec (Kubeflow
# Training Operator API reference). KubeRay (ray.io/v1): RayCluster head and worker groups' `template`,
# RayJob's `rayClusterSpec` and `submitterPodTemplate`, RayService's `rayClusterConfig` (KubeRay API
# reference, ray-project.github.io/kuberay/reference/api/). KServe as above; ServingRuntime and
# ClusterServingRuntime keep their pod spec inline in `spec` (ServingRuntimePodSpec) and `spec.workerSpec`.
KNOWN_CARRIERS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("kubeflow.org", "PyTorchJob"): _replica_specs("pytorchReplicaSpecs"),
    ("kubeflow.org", "TFJob"): _replica_specs("tfReplicaSpecs"),
    ("kubeflow.org", "MPIJob"): _replica_specs("mpiReplicaSpecs"),
    ("kubeflow.org", "XGBoostJob"): _replica_specs("xgbReplicaSpecs"),
    ("kubeflow.org", "PaddleJob"): _replica_specs("paddleReplicaSpecs"),
    ("kubeflow.org", "JAXJob"): _replica_specs("jaxReplicaSpecs"),
    ("ray.io", "RayCluster"): tuple((TEMPLATE, f"spec.{p}") for p in _RAY_CLUSTER),
    ("ray.io", "RayJob"): (*((TEMPLATE, f"spec.rayClusterSpec.{p}") for p in _RAY_CLUSTER),
                           (TEMPLATE, "spec.submitterPodTemplate")),
    ("ray.io", "RayService"): tuple((TEMPLATE, f"spec.rayClusterConfig.{p}") for p in _RAY_CLUSTER),
    ("serving.kserve.io", "InferenceService"): _KSERVE_COMPONENTS,
    ("serving.kserve.io", "ServingRuntime"): ((INLINE, "spec"), (INLINE, "spec.workerSpec")),
    ("serving.kserve.io", "ClusterServingRuntime"): ((INLINE, "spec"), (INLINE, "spec.workerSpec")),
}


# Templates other objects' pods are made from: a KServe serving runtime's pods carry the labels of the
# InferenceService component that uses it (which is judged for its data classes), not classes of its own.
SHARED_TEMPLATES = frozenset({("serving.kserve.io", "ServingRuntime"), ("serving.kserve.io", "ClusterServingRuntime")})


def declares_pod_labels(type_token: str) -> bool:
    """Whether the pods a custom resource carries get their labels (data classes) from it."""
    group, kind, _ = group_kind(type_token)
    return (group, kind) not in SHARED_TEMPLATES


def group_kind(type_token: str) -> tuple[str, str, bool]:
    """(API group, Kind, is a patch) of a `kubernetes:<group>/<version>:<Kind>[Patch]` token."""
    _, api_version, kind = type_token.split(":", 2)
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else "core"
    patch = kind.endswith("Patch")
    return group, kind.removesuffix("Patch") if patch else kind, patch


def is_custom_resource(type_token: str) -> bool:
    """A Kubernetes object of a group no pulumi-kubernetes type belongs to: a custom resource."""
    if not type_token.startswith("kubernetes:") or type_token.count(":") != 2:
        return False
    return group_kind(type_token)[0] not in BUILT_IN_GROUPS


@dataclasses.dataclass(frozen=True)
class CarriedPod:
    path: str  # where the pod template or inline pod spec sits in the object
    template: dict  # {"metadata": {"labels": ...}, "spec": <pod spec>} as a PodTemplate holds it


def _at(node: object, parts: list[str], where: str) -> Iterator[tuple[str, object]]:
    """Every (path, value) at `parts` below `node`; `*` is each entry. An unknown on the way raises."""
    if is_unknown(node):
        raise Unverifiable(unknown_path(node) or where)
    if not parts:
        yield where, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        entries = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in entries:
            yield from _at(value, rest, f"{where}.{key}")
    elif isinstance(node, dict) and head in node:
        yield from _at(node[head], rest, f"{where}.{head}" if where else head)


def _inline(component: dict, path: str) -> dict:
    """A KServe-style component as a pod template: its framework or model container joins `containers`,
    its `labels` and `annotations` are the pod's."""
    spec = dict(component)
    containers = list(component.get("containers") or [])
    for key in KSERVE_CONTAINER_KEYS:
        if key in component:
            value = component[key]
            if is_unknown(value):
                raise Unverifiable(unknown_path(value) or f"{path}.{key}")
            containers.append(value)
    spec["containers"] = containers
    return {"metadata": {"labels": component.get("labels"), "annotations": component.get("annotations")},
            "spec": spec}


def _known_pods(resource: ResourceView, group: str, kind: str) -> Iterator[CarriedPod]:
    for form, path in KNOWN_CARRIERS.get((group, kind), ()):
        for where, node in _at(resource.props, path.split("."), ""):
            if node is None:
                continue
            if not isinstance(node, dict):
                raise Unverifiable(where)
            if form == INLINE:
                yield CarriedPod(where, _inline(node, where))
            else:
                yield CarriedPod(where, {"metadata": node.get("metadata") or {}, "spec": node.get("spec") or {}})


def _scanned_pods(node: object, where: str) -> Iterator[CarriedPod]:
    """Pod templates and inline pod specs anywhere below `node` (unknowns are not entered)."""
    if is_unknown(node):
        return
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _scanned_pods(item, f"{where}.{index}")
        return
    if not isinstance(node, dict):
        return
    spec = dict.get(node, "spec")
    if isinstance(spec, dict) and "containers" in spec:
        yield CarriedPod(where, {"metadata": dict.get(node, "metadata") or {}, "spec": spec})
        return
    if "containers" in node:
        yield CarriedPod(where, _inline(node, where))
        return
    for key, value in dict.items(node):
        yield from _scanned_pods(value, f"{where}.{key}" if where else key)


def carried_pods(resource: ResourceView) -> list[CarriedPod]:
    """Each pod a custom resource's operator would create from it, known carriers' paths first."""
    group, kind, _ = group_kind(resource.type)
    found = {pod.path: pod for pod in _known_pods(resource, group, kind)}
    for pod in _scanned_pods(dict.get(resource.props, "spec"), "spec"):
        if not any(pod.path == known or pod.path.startswith(f"{known}.") for known in found):
            found[pod.path] = pod
    return list(found.values())


def pod_templates(resource: ResourceView) -> list[ResourceView]:
    """The pods a custom resource carries, each a view of a PodTemplate (a PodTemplatePatch for a
    patch: judged on what it sets) named after the object and the path, with the object's metadata."""
    _, kind, patch = group_kind(resource.type)
    return [dataclasses.replace(resource, type=POD_TEMPLATE + ("Patch" if patch else ""),
                                name=f"{resource.name} ({kind} {pod.path})",
                                props={"metadata": resource.props.get("metadata") or {}, "template": pod.template})
            for pod in carried_pods(resource)]
