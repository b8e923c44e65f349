"""The admission policy's CEL, evaluated for real with cel-python against admitted and rejected
pods, pod templates and Services. Kubernetes semantics are kept: matchConditions that are false skip
the policy, `oldObject` is null on CREATE, variables are lazy (an error in one that is not used does
not matter), and an expression that errors rejects (failurePolicy: Fail)."""
import copy

import celpy
import pytest

from components.k8s.admission import (admission_match_conditions, admission_validations, admission_variables,
                                      service_validations)

ZONE = "dev-ai"
REGISTRY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai"
IMAGE = f"{REGISTRY}/summarizer@sha256:" + "0123456789abcdef" * 4
NAMESPACE = {"metadata": {"name": "dev-ai-inference", "labels": {
    "regzone.io/zone": ZONE, "data-class.regzone.io/public": "permitted",
    "data-class.regzone.io/personal_data": "permitted"}}}
DEMO_NAMESPACE = {"metadata": {"name": "demo", "labels": {"kubernetes.io/metadata.name": "demo"}}}
OTHER_ZONE_NAMESPACE = {"metadata": {"name": "x", "labels": {
    "regzone.io/zone": "hipaa-ai", "data-class.regzone.io/public": "permitted"}}}
LABELS = {"app": "summarizer", "data-class.regzone.io/personal_data": "true"}

_ENV = celpy.Environment()
_PROGRAMS = {}


def _program(expression):
    if expression not in _PROGRAMS:
        _PROGRAMS[expression] = _ENV.program(_ENV.compile(expression))
    return _PROGRAMS[expression]


def _evaluate(expression, activation):
    try:
        return _program(expression).evaluate(activation)
    except Exception as err:  # noqa: BLE001 - celpy raises for some errors, returns CELEvalError for others
        return err


def _activation(obj, namespace, old):
    return {"object": celpy.json_to_cel(obj), "namespaceObject": celpy.json_to_cel(namespace),
            "oldObject": celpy.json_to_cel(old),
            "request": celpy.json_to_cel({"operation": "CREATE" if old is None else "UPDATE"})}


def admit(obj, namespace=NAMESPACE, old=None, confidential_classes=("ephi",)) -> list[str]:
    """The messages of the validations that reject `obj` (empty: admitted); `old`: the object an
    UPDATE replaces (None: CREATE)."""
    activation = _activation(obj, namespace, old)
    for condition in admission_match_conditions():
        result = _evaluate(condition["expression"], activation)
        if isinstance(result, celpy.celtypes.BoolType) and not result:
            return []  # the policy does not apply to this request
        assert isinstance(result, celpy.celtypes.BoolType), result  # an error would reject (failurePolicy)
    variables = {}
    for variable in admission_variables():
        variables[celpy.celtypes.StringType(variable["name"])] = _evaluate(
            variable["expression"], {**activation, "variables": celpy.celtypes.MapType(variables)})
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [v["message"] for v in admission_validations(zone_name=ZONE, registry=REGISTRY,
                                                        confidential_classes=confidential_classes)
            if not _allowed(_evaluate(v["expression"], activation))]


def admit_service(service, old=None) -> list[str]:
    activation = _activation(service, NAMESPACE, old)
    return [v["message"] for v in service_validations() if not _allowed(_evaluate(v["expression"], activation))]


def _allowed(result) -> bool:
    """Only a boolean true admits; false and any evaluation error reject."""
    return isinstance(result, celpy.celtypes.BoolType) and bool(result)


def selecting(labels):
    """The nodeSelector that places a pod with `labels` on nodes holding each of its data classes."""
    return {k: "true" for k in labels if k.startswith("data-class.regzone.io/")}


def pod_spec(**changes):
    spec = {"securityContext": {"runAsNonRoot": True}, "nodeSelector": selecting(LABELS),
            "containers": [{"name": "serve", "image": IMAGE, "securityContext": {"privileged": False}}]}
    spec.update(changes)
    return spec


def of_kind(kind, spec=None, labels=LABELS):
    spec = spec if spec is not None else pod_spec(nodeSelector=selecting(labels))
    template = {"metadata": {"labels": labels}, "spec": spec}
    if kind == "Pod":
        return {"kind": "Pod", "metadata": {"name": "p", "labels": labels}, "spec": spec}
    if kind == "CronJob":
        return {"kind": kind, "metadata": {"name": "c"},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}
    if kind == "PodTemplate":
        return {"kind": kind, "metadata": {"name": "t"}, "template": template}
    return {"kind": kind, "metadata": {"name": "w"}, "spec": {"template": template}}


KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
         "ReplicationController", "PodTemplate"]

ADMITTED = {
    **{f"compliant {kind}": of_kind(kind) for kind in KINDS},
    "init container from the registry": of_kind("Pod", pod_spec(initContainers=[{"name": "i", "image": IMAGE}])),
    "ephemeral debug container pinned": of_kind("Pod", pod_spec(ephemeralContainers=[{"name": "d", "image": IMAGE}])),
    "two permitted data classes": of_kind("Deployment", labels={**LABELS, "data-class.regzone.io/public": "true"}),
    "no securityContext at all": of_kind("Job", pod_spec(containers=[{"name": "s", "image": IMAGE}])),
    "host namespaces explicitly false": of_kind("Pod", pod_spec(hostNetwork=False, hostPID=False, hostIPC=False)),
    "nested repository path": of_kind("StatefulSet", pod_spec(containers=[
        {"name": "s", "image": f"{REGISTRY}/models/llm/server@sha256:" + "f" * 64}])),
}

REJECTED = {
    "Docker Hub image": (of_kind("Pod", pod_spec(containers=[{"name": "s", "image": "python:3.11"}])), "zone registry"),
    "tag instead of digest": (of_kind("Deployment", pod_spec(containers=[
        {"name": "s", "image": f"{REGISTRY}/summarizer:v1"}])), "pinned by digest"),
    "tag and short digest": (of_kind("Job", pod_spec(containers=[
        {"name": "s", "image": f"{REGISTRY}/s@sha256:abc"}])), "pinned by digest"),
    "registry lookalike host": (of_kind("Pod", pod_spec(containers=[
        {"name": "s", "image": REGISTRY + ".evil.example.com/s@sha256:" + "a" * 64}])), "zone registry"),
    "other zone's repositories": (of_kind("Pod", pod_spec(containers=[
        {"name": "s", "image": REGISTRY.replace("dev-ai", "dev-aix") + "/s@sha256:" + "a" * 64}])), "zone registry"),
    "init container from the internet": (of_kind("CronJob", pod_spec(initContainers=[
        {"name": "i", "image": "ghcr.io/x/y@sha256:" + "a" * 64}])), "zone registry"),
    "ephemeral container by tag": (of_kind("Pod", pod_spec(ephemeralContainers=[
        {"name": "d", "image": "busybox:latest"}])), "zone registry"),
    "privileged container": (of_kind("DaemonSet", pod_spec(containers=[
        {"name": "s", "image": IMAGE, "securityContext": {"privileged": True}}])), "privileged"),
    "privileged init container": (of_kind("StatefulSet", pod_spec(initContainers=[
        {"name": "i", "image": IMAGE, "securityContext": {"privileged": True}}])), "privileged"),
    "hostNetwork": (of_kind("ReplicaSet", pod_spec(hostNetwork=True)), "node's network"),
    "hostPID": (of_kind("Pod", pod_spec(hostPID=True)), "node's network"),
    "hostIPC": (of_kind("Job", pod_spec(hostIPC=True)), "node's network"),
    "no data-class label": (of_kind("Deployment", labels={"app": "x"}), "declare its data classes"),
    "template without metadata": ({"kind": "Job", "metadata": {"name": "j"},
                                   "spec": {"template": {"spec": pod_spec()}}}, "declare its data classes"),
    "ePHI model in a regulated namespace that does not permit it": (
        of_kind("Deployment", labels={"data-class.regzone.io/ephi": "true"}), "not permitted"),
    "one permitted and one not": (
        of_kind("Pod", labels={**LABELS, "data-class.regzone.io/cardholder_data": "true"}), "not permitted"),
}


@pytest.mark.parametrize("name", sorted(ADMITTED))
def test_admitted(name):
    assert admit(ADMITTED[name]) == []


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected(name):
    obj, expected = REJECTED[name]
    messages = admit(obj)
    assert messages and any(expected in m for m in messages), messages


def test_copied_yaml_into_demo_namespace_is_rejected():
    """Seed 001: a model trained on ePHI must not be deployable into a demo namespace by copying YAML."""
    messages = admit(of_kind("Deployment", labels={"data-class.regzone.io/ephi": "true"}), DEMO_NAMESPACE)
    assert any("not permitted" in m for m in messages)
    stripped = admit(of_kind("Deployment", labels={"app": "x"}), DEMO_NAMESPACE)
    assert any("declare its data classes" in m for m in stripped)


def test_namespace_of_another_zone_is_rejected():
    messages = admit(of_kind("Pod", labels={"data-class.regzone.io/public": "true"}), OTHER_ZONE_NAMESPACE)
    assert any("not permitted" in m for m in messages)


def test_namespace_value_must_be_permitted():
    namespace = copy.deepcopy(NAMESPACE)
    namespace["metadata"]["labels"]["data-class.regzone.io/personal_data"] = "false"
    assert any("not permitted" in m for m in admit(of_kind("Pod"), namespace))


def test_at_least_ten_each():
    assert len(ADMITTED) >= 10 and len(REJECTED) >= 10


# --- Placement: a pod lands only on nodes that may hold each of its classes (issue 20) ---------------
EPHI = {"app": "notes", "data-class.regzone.io/ephi": "true"}
EPHI_NAMESPACE = {"metadata": {"name": "clinical", "labels": {
    "regzone.io/zone": ZONE, "data-class.regzone.io/ephi": "permitted", "data-class.regzone.io/internal": "permitted"}}}
# The nodes of a group that holds `internal` only (the HIPAA zone's cpu-eval, components/node_groups.py labels).
EVAL_NODES = {"regzone.io/node-kind": "cpu", "regzone.io/confidential": "sev_snp", "data-class.regzone.io/internal": "true"}
CONFIDENTIAL_EPHI = {"data-class.regzone.io/ephi": "true", "regzone.io/confidential": "sev_snp"}


def required_affinity(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def term(**labels):
    return {"matchExpressions": [{"key": k, "operator": "In", "values": v if isinstance(v, list) else [v]}
                                 for k, v in labels.items()]}


def test_ephi_pod_that_would_fit_a_node_group_without_ephi_is_rejected():
    """A pod selecting only the node kind (or the nodes of a group holding `internal`) could be
    scheduled on a node group that must not hold ePHI."""
    for selector in ({"regzone.io/node-kind": "cpu"}, EVAL_NODES, {}):
        messages = admit(of_kind("Deployment", pod_spec(nodeSelector=selector), EPHI), EPHI_NAMESPACE)
        assert any("select nodes holding each of its data classes" in m for m in messages), selector


def test_ephi_pod_on_confidential_ephi_nodes_is_admitted():
    assert admit(of_kind("Deployment", pod_spec(nodeSelector=CONFIDENTIAL_EPHI), EPHI), EPHI_NAMESPACE) == []
    by_affinity = pod_spec(nodeSelector={}, affinity=required_affinity(
        term(**{"data-class.regzone.io/ephi": "true", "regzone.io/confidential": ["sev_snp", "nitro_enclaves"]})))
    assert admit(of_kind("Job", by_affinity, EPHI), EPHI_NAMESPACE) == []


def test_affinity_must_require_the_class_in_every_term():
    """Terms are ORed: one term without the class lets the pod land anywhere that term matches."""
    spec = pod_spec(nodeSelector={}, affinity=required_affinity(
        term(**{"data-class.regzone.io/ephi": "true", "regzone.io/confidential": "sev_snp"}),
        term(**{"regzone.io/node-kind": "cpu"})))
    assert any("select nodes holding" in m for m in admit(of_kind("Pod", spec, EPHI), EPHI_NAMESPACE))
    not_in = pod_spec(nodeSelector={"regzone.io/confidential": "sev_snp"}, affinity=required_affinity(
        {"matchExpressions": [{"key": "data-class.regzone.io/ephi", "operator": "NotIn", "values": ["false"]}]}))
    assert any("select nodes holding" in m for m in admit(of_kind("Pod", not_in, EPHI), EPHI_NAMESPACE))


def test_class_requiring_confidential_compute_must_select_a_confidential_mode():
    unconfidential = {"data-class.regzone.io/ephi": "true"}
    messages = admit(of_kind("Pod", pod_spec(nodeSelector=unconfidential), EPHI), EPHI_NAMESPACE)
    assert any("requires confidential compute" in m for m in messages)
    none_mode = {**unconfidential, "regzone.io/confidential": "none"}
    assert any("requires confidential compute" in m
               for m in admit(of_kind("Pod", pod_spec(nodeSelector=none_mode), EPHI), EPHI_NAMESPACE))
    # A class that does not require it needs no mode.
    assert admit(of_kind("Pod")) == []


def test_node_name_is_forbidden():
    messages = admit(of_kind("Pod", pod_spec(nodeName="ip-10-40-1-5.eu-west-1.compute.internal")))
    assert any("must not name their node" in m for m in messages)
    assert any("must not name their node" in m for m in admit(of_kind("Deployment", pod_spec(nodeName="n"))))


# --- UPDATE: running pods are not wedged when a namespace's permitted classes change -----------------
def scheduled(obj):
    """`obj` as the API server holds it once the scheduler has bound it."""
    bound = copy.deepcopy(obj)
    bound["spec"]["nodeName"] = "ip-10-40-1-5.eu-west-1.compute.internal"
    return bound


def test_metadata_updates_of_a_pod_whose_class_is_no_longer_permitted_are_admitted():
    running = scheduled(of_kind("Pod", labels={**LABELS, "data-class.regzone.io/public": "true"}))
    narrowed = copy.deepcopy(NAMESPACE)
    del narrowed["metadata"]["labels"]["data-class.regzone.io/public"]
    assert admit(running, narrowed)  # as a new pod it would be refused
    finalizer_removed = copy.deepcopy(running)
    running["metadata"]["finalizers"] = ["example.com/cleanup"]
    relabelled = copy.deepcopy(finalizer_removed)
    relabelled["metadata"]["labels"]["app"] = "renamed"
    annotated = copy.deepcopy(finalizer_removed)
    annotated["metadata"]["annotations"] = {"note": "drained"}
    for updated in (finalizer_removed, relabelled, annotated):
        assert admit(updated, narrowed, old=running) == []


def test_deployment_finalizer_removal_is_admitted_after_the_namespace_changes():
    deployment = of_kind("Deployment", labels={**LABELS, "data-class.regzone.io/public": "true"})
    deployment["metadata"]["finalizers"] = ["foregroundDeletion"]
    narrowed = copy.deepcopy(NAMESPACE)
    del narrowed["metadata"]["labels"]["data-class.regzone.io/public"]
    released = copy.deepcopy(deployment)
    released["metadata"]["finalizers"] = []
    released["spec"]["replicas"] = 0
    assert admit(released, narrowed, old=deployment) == []


def test_updates_that_change_what_is_judged_are_judged():
    running = scheduled(of_kind("Pod"))
    new_image = copy.deepcopy(running)
    new_image["spec"]["containers"][0]["image"] = "python:3.11"
    assert any("zone registry" in m for m in admit(new_image, old=running))
    new_class = copy.deepcopy(running)
    new_class["metadata"]["labels"]["data-class.regzone.io/ephi"] = "true"
    assert any("not permitted" in m for m in admit(new_class, old=running))
    dropped_class = copy.deepcopy(running)
    del dropped_class["metadata"]["labels"]["data-class.regzone.io/personal_data"]
    assert any("declare its data classes" in m for m in admit(dropped_class, old=running))
    # A scheduled pod keeps the node the scheduler bound it to; it may not move itself.
    assert admit(new_image, old=running) and not any("name their node" in m for m in admit(new_image, old=running))
    moved = copy.deepcopy(new_image)
    moved["spec"]["nodeName"] = "another-node"
    assert any("name their node" in m for m in admit(moved, old=running))
    template = of_kind("Deployment")
    retargeted = copy.deepcopy(template)
    retargeted["spec"]["template"]["spec"]["nodeSelector"] = {}
    assert any("select nodes holding" in m for m in admit(retargeted, old=template))


# --- Services: nothing public, no node ports --------------------------------------------------------
def service(type_="ClusterIP", annotations=None, **spec):
    return {"kind": "Service", "metadata": {"name": "s", "annotations": annotations or {}},
            "spec": {"type": type_, "ports": [{"port": 8443}], **spec}}


INTERNAL_NLB = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip"}


def test_internal_nlb_without_node_ports_is_admitted():
    assert admit_service(service()) == []
    assert admit_service(service("LoadBalancer", INTERNAL_NLB, loadBalancerClass="service.k8s.aws/nlb",
                                 allocateLoadBalancerNodePorts=False)) == []


@pytest.mark.parametrize("svc, expected", [
    (service(externalIPs=["203.0.113.10"]), "externalIPs"),
    (service("NodePort"), "NodePort"),
    # The in-tree controller ignores the scheme annotation: an internet-facing load balancer.
    (service("LoadBalancer", INTERNAL_NLB, allocateLoadBalancerNodePorts=False), "internal NLB"),
    (service("LoadBalancer", {**INTERNAL_NLB, "service.beta.kubernetes.io/aws-load-balancer-scheme":
                              "internet-facing"}, loadBalancerClass="service.k8s.aws/nlb",
             allocateLoadBalancerNodePorts=False), "internal NLB"),
    # Node ports are allocated by default and the namespace quota allows none.
    (service("LoadBalancer", INTERNAL_NLB, loadBalancerClass="service.k8s.aws/nlb"), "allocateLoadBalancerNodePorts"),
    (service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
             loadBalancerClass="service.k8s.aws/nlb", allocateLoadBalancerNodePorts=False), "target-type"),
    # Conflicting scheme annotations: the deprecated one says public.
    (service("LoadBalancer", {**INTERNAL_NLB, "service.beta.kubernetes.io/aws-load-balancer-internal": "false"},
             loadBalancerClass="service.k8s.aws/nlb", allocateLoadBalancerNodePorts=False), "must be absent or true"),
])
def test_exposed_services_are_rejected(svc, expected):
    messages = admit_service(svc)
    assert any(expected in m for m in messages), messages
