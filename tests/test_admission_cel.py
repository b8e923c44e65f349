"""The admission policy's CEL, evaluated for real with cel-python against admitted and rejected
pods and pod templates. Kubernetes semantics are kept: variables are lazy (an error in one that
is not used does not matter), and an expression that errors rejects (failurePolicy: Fail)."""
import copy

import celpy
import pytest

from components.k8s.admission import admission_validations, admission_variables

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


def admit(obj, namespace=NAMESPACE) -> list[str]:
    """The messages of the validations that reject `obj` (empty: admitted)."""
    activation = {"object": celpy.json_to_cel(obj), "namespaceObject": celpy.json_to_cel(namespace)}
    variables = {}
    for variable in admission_variables():
        variables[celpy.celtypes.StringType(variable["name"])] = _evaluate(
            variable["expression"], {**activation, "variables": celpy.celtypes.MapType(variables)})
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [v["message"] for v in admission_validations(zone_name=ZONE, registry=REGISTRY)
            if not _allowed(_evaluate(v["expression"], activation))]


def _allowed(result) -> bool:
    """Only a boolean true admits; false and any evaluation error reject."""
    return isinstance(result, celpy.celtypes.BoolType) and bool(result)


def pod_spec(**changes):
    spec = {"securityContext": {"runAsNonRoot": True},
            "containers": [{"name": "serve", "image": IMAGE, "securityContext": {"privileged": False}}]}
    spec.update(changes)
    return spec


def of_kind(kind, spec=None, labels=LABELS):
    spec = spec if spec is not None else pod_spec()
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
