"""Pod specs inside custom resources of training and serving operators are judged by the pod rules, over
the analyzer protocol: compliant operator objects pass, one bad container anywhere fires, unknowns on a
known operator's pod path are reported, and an operator the pack does not know is scanned."""
import copy

import pytest

from analyzer_helpers import resource, stack_violations, violations
from regulated_ai.custom_resources import BUILT_IN_GROUPS, COMPONENT_GROUPS, KNOWN_CARRIERS, is_custom_resource
from test_kubernetes import IMAGE, LABELS, POD_POLICIES, SETTINGS, UNKNOWN, pod_spec, zone_pack  # noqa: F401

BAD_IMAGE = "docker.io/library/python@sha256:" + "b" * 64


def template(spec=None, labels=LABELS):
    return {"metadata": {"labels": labels}, "spec": spec if spec is not None else pod_spec()}


def kserve_component(**changes):
    component = {**pod_spec(), "labels": LABELS}
    component.update(changes)
    return component


def operator_objects(spec=None):
    """One object of each known operator kind, every pod spec in it `spec` (compliant by default)."""
    def t():
        return template(copy.deepcopy(spec) if spec is not None else None)
    ray = {"headGroupSpec": {"template": t()}, "workerGroupSpecs": [{"groupName": "gpu", "template": t()}]}
    inline = {**(copy.deepcopy(spec) if spec is not None else pod_spec()), "labels": LABELS}
    return {
        "kubernetes:kubeflow.org/v1:PyTorchJob": {"spec": {"pytorchReplicaSpecs": {"Master": {"template": t()},
                                                                                  "Worker": {"template": t()}}}},
        "kubernetes:kubeflow.org/v1:TFJob": {"spec": {"tfReplicaSpecs": {"Chief": {"template": t()},
                                                                        "PS": {"template": t()}}}},
        "kubernetes:kubeflow.org/v2beta1:MPIJob": {"spec": {"mpiReplicaSpecs": {"Launcher": {"template": t()},
                                                                               "Worker": {"template": t()}}}},
        "kubernetes:kubeflow.org/v1:XGBoostJob": {"spec": {"xgbReplicaSpecs": {"Master": {"template": t()}}}},
        "kubernetes:kubeflow.org/v1:PaddleJob": {"spec": {"paddleReplicaSpecs": {"Worker": {"template": t()}}}},
        "kubernetes:kubeflow.org/v1:JAXJob": {"spec": {"jaxReplicaSpecs": {"Worker": {"template": t()}}}},
        "kubernetes:ray.io/v1:RayCluster": {"spec": copy.deepcopy(ray)},
        "kubernetes:ray.io/v1:RayJob": {"spec": {"entrypoint": "python train.py", "rayClusterSpec": copy.deepcopy(ray),
                                                 "submitterPodTemplate": t()}},
        "kubernetes:ray.io/v1:RayService": {"spec": {"rayClusterConfig": copy.deepcopy(ray)}},
        "kubernetes:serving.kserve.io/v1beta1:InferenceService": {"spec": {
            "predictor": {**copy.deepcopy(inline), "minReplicas": 1}, "transformer": copy.deepcopy(inline)}},
        "kubernetes:serving.kserve.io/v1alpha1:ServingRuntime": {"spec": {**copy.deepcopy(inline),
                                                                          "supportedModelFormats": []}},
        "kubernetes:serving.kserve.io/v1alpha1:ClusterServingRuntime": {"spec": copy.deepcopy(inline)},
        # An operator the pack does not know: found by its structure.
        "kubernetes:example.com/v1alpha1:FineTune": {"spec": {"stages": [{"name": "tune", "pod": t()}]}},
    }


def custom(type_token, props, name="cr"):
    api_version, kind = type_token.split(":")[1:]
    return resource(type_token, {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **props},
                    name=name)


KINDS = sorted(operator_objects())


def test_every_known_operator_is_exercised():
    assert {tuple(k.split(":")[1].rsplit("/", 1)[0:1]) + (k.split(":")[2],) for k in KINDS} >= set(KNOWN_CARRIERS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", POD_POLICIES)
def test_compliant_operator_objects_pass(zone_pack, kind, policy):
    assert violations(zone_pack, policy, custom(kind, operator_objects()[kind])) == []


BAD = {
    "k8s-image-zone-registry": (pod_spec(containers=[{"name": "s", "image": BAD_IMAGE,
                                                      "securityContext": {"runAsNonRoot": True}}]), "private ECR"),
    "k8s-no-privileged-containers": (pod_spec(containers=[{"name": "s", "image": IMAGE,
                                                           "securityContext": {"privileged": True}}]), "privileged"),
    "k8s-no-host-namespaces": (pod_spec(hostNetwork=True), "hostNetwork"),
    "k8s-run-as-non-root": (pod_spec(securityContext={}), "may run as root"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", sorted(BAD))
def test_a_bad_pod_spec_in_an_operator_object_fires(zone_pack, kind, policy):
    spec, expected = BAD[policy]
    found = violations(zone_pack, policy, custom(kind, operator_objects(spec)[kind]))
    assert found and all(expected in d.message for d in found), found
    kind_name = kind.rsplit(":", 1)[1]
    assert f"({kind_name} spec" in found[0].message and "RAZ-K8S-00" in found[0].message


def test_kserve_framework_container_is_judged(zone_pack):
    """The predictor's `model` (or framework) container is a container of the predictor pod."""
    isvc = {"spec": {"predictor": {"labels": LABELS, "securityContext": {"runAsNonRoot": True},
                                   "model": {"modelFormat": {"name": "sklearn"}, "storageUri": UNKNOWN,
                                             "image": BAD_IMAGE}}}}
    found = violations(zone_pack, "k8s-image-zone-registry",
                       custom("kubernetes:serving.kserve.io/v1beta1:InferenceService", isvc))
    assert len(found) == 1 and "spec.predictor" in found[0].message and "private ECR" in found[0].message


def test_serving_runtimes_declare_no_data_classes_of_their_own(zone_pack):
    """A runtime's pods carry the labels of the InferenceService component using it, which is judged."""
    runtime = {"spec": {**pod_spec(), "supportedModelFormats": [{"name": "sklearn"}]}}
    for kind in ("ServingRuntime", "ClusterServingRuntime"):
        cr = custom(f"kubernetes:serving.kserve.io/v1alpha1:{kind}", runtime)
        assert violations(zone_pack, "k8s-workload-data-class-label", cr) == []
        bad = custom(f"kubernetes:serving.kserve.io/v1alpha1:{kind}", {"spec": pod_spec(hostPID=True)})
        assert violations(zone_pack, "k8s-no-host-namespaces", bad)


def test_kserve_component_without_data_class_label_fires(zone_pack):
    isvc = {"spec": {"predictor": kserve_component(labels={})}}
    found = violations(zone_pack, "k8s-workload-data-class-label",
                       custom("kubernetes:serving.kserve.io/v1beta1:InferenceService", isvc))
    assert found and "declares no data class" in found[0].message


def test_unknown_pod_template_of_a_known_operator_is_reported(zone_pack):
    job = {"spec": {"pytorchReplicaSpecs": {"Master": {"template": UNKNOWN}}}}
    found = violations(zone_pack, "k8s-no-privileged-containers", custom("kubernetes:kubeflow.org/v1:PyTorchJob", job))
    assert found and "cannot be verified" in found[0].message and "pytorchReplicaSpecs.Master.template" in found[0].message


def test_unknown_elsewhere_in_a_known_operator_is_not_a_pod(zone_pack):
    isvc = {"spec": {"predictor": kserve_component(), "storageUri": UNKNOWN}}
    assert violations(zone_pack, "k8s-image-zone-registry",
                      custom("kubernetes:serving.kserve.io/v1beta1:InferenceService", isvc)) == []


def test_a_patch_of_an_operator_object_is_judged_on_what_it_sets(zone_pack):
    keeps = {"spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": {"containers": [
        {"name": "pytorch", "env": [{"name": "LOG", "value": "debug"}]}]}}}}}}
    for policy in POD_POLICIES:
        assert violations(zone_pack, policy, custom("kubernetes:kubeflow.org/v1:PyTorchJobPatch", keeps)) == [], policy
    turns_off = copy.deepcopy(keeps)
    turns_off["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["securityContext"] = {"runAsNonRoot": False}
    assert violations(zone_pack, "k8s-run-as-non-root", custom("kubernetes:kubeflow.org/v1:PyTorchJobPatch", turns_off))


def test_a_custom_resource_without_pods_is_not_a_workload(zone_pack):
    policy = custom("kubernetes:kyverno.io/v1:ClusterPolicy", {"spec": {"rules": [{"name": "r", "match": UNKNOWN}]}})
    for name in POD_POLICIES:
        assert violations(zone_pack, name, policy) == [], name


def test_operator_pods_are_placed_by_their_labels(zone_pack):
    """data-class-placement reads a carried pod's labels as it reads a Deployment's template."""
    spec = template(labels={"zone": "dev-ai", "data-class": "ephi"})
    job = custom("kubernetes:kubeflow.org/v1:PyTorchJob", {"spec": {"pytorchReplicaSpecs": {"Master": {"template": spec}}}})
    found = stack_violations(zone_pack, "data-class-placement", [job])
    assert found and "ephi" in found[0].message and "PyTorchJob spec.pytorchReplicaSpecs.Master" in found[0].message


def test_built_in_groups_are_those_of_the_sdk():
    """A group the SDK adds would otherwise be taken for a custom resource's; one it drops is stale."""
    from regzone.coverage.sdk import sdk_index
    groups = {t.split(":")[1].rsplit("/", 1)[0] if "/" in t.split(":")[1] else t.split(":")[1]
              for t in sdk_index().types() if t.startswith("kubernetes:")}
    assert groups == BUILT_IN_GROUPS - (COMPONENT_GROUPS - {"helm.sh"})
    assert not any(is_custom_resource(t) for t in sdk_index().types() if t.startswith("kubernetes:"))
    assert is_custom_resource("kubernetes:kubeflow.org/v1:PyTorchJob")
