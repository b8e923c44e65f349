"""RAZ-K8S-009 over the analyzer protocol: privilege escalation, capabilities and host paths, for every
pod-template kind, a custom resource's pods, patches and node agents."""
import pytest

from analyzer_helpers import resource, violations
from test_kubernetes import IMAGE, KINDS, OBJECT_KINDS, PATCH_KINDS, UNKNOWN, workload, zone_pack  # noqa: F401

POLICIES = ["k8s-no-privilege-escalation", "k8s-capabilities-dropped", "k8s-no-host-paths"]
HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}


def hardened(**changes):
    spec = {"securityContext": {"runAsNonRoot": True},
            "initContainers": [{"name": "fetch", "image": IMAGE, "securityContext": dict(HARDENED)}],
            "containers": [{"name": "serve", "image": IMAGE, "securityContext": dict(HARDENED)}],
            "volumes": [{"name": "cache", "emptyDir": {}}]}
    spec.update(changes)
    return spec


def serving(**context):
    return hardened(containers=[{"name": "serve", "image": IMAGE, "securityContext": {**HARDENED, **context}}])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", POLICIES)
def test_hardened_pods_pass(zone_pack, kind, policy):
    assert violations(zone_pack, policy, workload(kind, hardened())) == []


FIRING = [
    ("k8s-no-privilege-escalation", lambda: serving(allowPrivilegeEscalation=True), "may escalate"),
    ("k8s-no-privilege-escalation", lambda: serving(allowPrivilegeEscalation="true"), "may escalate"),
    ("k8s-capabilities-dropped", lambda: serving(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
     "adds capabilities ['SYS_ADMIN']"),
    ("k8s-capabilities-dropped", lambda: serving(capabilities={"drop": ["NET_RAW"]}), "default capabilities"),
    ("k8s-no-host-paths", lambda: hardened(volumes=[{"name": "root", "hostPath": {"path": "/"}}]), "mounts the node's '/'"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy, spec, expected", FIRING)
def test_one_change_fires_for_every_kind(zone_pack, kind, policy, spec, expected):
    found = violations(zone_pack, policy, workload(kind, spec()))
    assert found and all(expected in d.message for d in found), found
    assert found[0].enforcement == "mandatory" and "RAZ-K8S-009" in found[0].message


@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_unset_settings_fire_for_objects(zone_pack, kind):
    bare = hardened(containers=[{"name": "serve", "image": IMAGE, "securityContext": {"runAsNonRoot": True}}])
    assert violations(zone_pack, "k8s-no-privilege-escalation", workload(kind, bare))
    assert violations(zone_pack, "k8s-capabilities-dropped", workload(kind, bare))


@pytest.mark.parametrize("kind", PATCH_KINDS)
def test_a_patch_keeps_what_it_leaves_out(zone_pack, kind):
    keeps = {"containers": [{"name": "serve", "env": [{"name": "LOG_LEVEL", "value": "debug"}]}]}
    for policy in POLICIES:
        assert violations(zone_pack, policy, workload(kind, keeps, labels={})) == [], policy
    adds = {"containers": [{"name": "serve", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}
    assert violations(zone_pack, "k8s-capabilities-dropped", workload(kind, adds, labels={}))


def test_unknown_capabilities_are_reported(zone_pack):
    found = violations(zone_pack, "k8s-capabilities-dropped",
                       workload("kubernetes:apps/v1:Deployment", serving(capabilities={"drop": UNKNOWN})))
    assert found and "cannot be verified" in found[0].message and "capabilities.drop" in found[0].message


def node_agent(path):
    spec = hardened(automountServiceAccountToken=False,
                    volumes=[{"name": "plugins", "hostPath": {"path": path}}])
    del spec["securityContext"]
    return resource("kubernetes:apps/v1:DaemonSet", {
        "metadata": {"name": "plugin", "namespace": "kube-system"},
        "spec": {"template": {"metadata": {"labels": {}}, "spec": spec}}}, name="plugin")


def test_a_node_agent_mounts_only_device_plugin_paths(zone_pack):
    assert violations(zone_pack, "k8s-no-host-paths", node_agent("/var/lib/kubelet/device-plugins")) == []
    found = violations(zone_pack, "k8s-no-host-paths", node_agent("/etc"))
    assert found and "'/etc'" in found[0].message


def test_a_training_job_is_judged(zone_pack):
    job = {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": {"name": "train"},
           "spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": serving(allowPrivilegeEscalation=True)}}}}}
    found = violations(zone_pack, "k8s-no-privilege-escalation",
                       resource("kubernetes:kubeflow.org/v1:PyTorchJob", job, name="train"))
    assert found and "PyTorchJob spec.pytorchReplicaSpecs.Worker.template" in found[0].message
