"""Node agents over the analyzer protocol: a DaemonSet in kube-system (device plugins,
components/k8s/device_plugins.py) that can do no more than a plugin needs holds no data class and
may run as root, and nothing else is excused: outside kube-system, any other kind in kube-system, or
a DaemonSet with a token, a capability or another host path, the rules fire as before, and a node
agent still needs a zone registry image pinned by digest, unprivileged, without host namespaces.
Every DaemonSet kind qualifies, and so does a DaemonSet item of a `...List`; a `DaemonSetPatch`
never does (what it leaves out keeps the live object's values)."""
import pytest
from google.protobuf import json_format

from analyzer_helpers import resource, violations
from components.k8s.device_plugins import plugin_pod_spec
from regulated_ai.types import K8S_DAEMON_SETS
from regzone.device_plugins import device_plugins
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

IMAGE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai/platform/nvidia@sha256:" + "a" * 64
EXCUSED = ["k8s-workload-data-class-label", "k8s-run-as-non-root"]
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"


@pytest.fixture(scope="module")
def zone_pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone-incluster", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"allowed_regions": ["eu-west-1"]} for p in policies})
        yield client


def agent(namespace="kube-system", kind=DAEMON_SET, image=IMAGE, **pod_changes):
    spec = {**plugin_pod_spec("nvidia", device_plugins()["nvidia"], image, "dev-ai"), **pod_changes}
    return resource(kind, {"metadata": {"name": "nvidia-device-plugin", "namespace": namespace},
                           "spec": {"selector": {}, "template": {"metadata": {"labels": {}}, "spec": spec}}})


@pytest.mark.parametrize("policy", EXCUSED)
def test_device_plugin_in_kube_system_is_a_node_agent(zone_pack, policy):
    assert violations(zone_pack, policy, agent()) == []


@pytest.mark.parametrize("policy", EXCUSED)
def test_the_same_daemon_set_in_a_zone_namespace_fires(zone_pack, policy):
    assert violations(zone_pack, policy, agent(namespace="dev-ai-inference"))


@pytest.mark.parametrize("policy", EXCUSED)
def test_other_kinds_in_kube_system_are_no_node_agents(zone_pack, policy):
    assert violations(zone_pack, policy, agent(kind="kubernetes:apps/v1:Deployment"))


@pytest.mark.parametrize("policy, change", [
    ("k8s-image-zone-registry", {"image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.4"}),
    ("k8s-image-pinned-digest", {"image": IMAGE.split("@")[0] + ":v0.17.4"}),
    ("k8s-no-host-namespaces", {"hostNetwork": True}),
])
def test_node_agents_keep_every_other_rule(zone_pack, policy, change):
    assert violations(zone_pack, policy, agent(**change))


@pytest.mark.parametrize("change", [
    pytest.param({"automountServiceAccountToken": True}, id="a service-account token"),
    pytest.param({"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}, id="the host's root"),
    pytest.param({"volumes": [{"name": "kubelet", "hostPath": {"path": "/var/lib/kubelet"}}]}, id="the kubelet's state"),
])
@pytest.mark.parametrize("policy", EXCUSED)
def test_a_daemon_set_that_can_do_more_than_a_plugin_is_no_node_agent(zone_pack, policy, change):
    assert violations(zone_pack, policy, agent(**change))


@pytest.mark.parametrize("context", [
    pytest.param({"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}},
                 id="an added capability"),
    pytest.param({"allowPrivilegeEscalation": False, "capabilities": {"drop": ["NET_RAW"]}}, id="capabilities kept"),
    pytest.param({"capabilities": {"drop": ["ALL"]}}, id="privilege escalation left open"),
])
@pytest.mark.parametrize("policy", EXCUSED)
def test_a_container_with_more_than_a_plugin_needs_is_no_node_agent(zone_pack, policy, context):
    spec = plugin_pod_spec("nvidia", device_plugins()["nvidia"], IMAGE, "dev-ai")
    containers = [{**spec["containers"][0], "securityContext": context}]
    assert violations(zone_pack, policy, agent(containers=containers))


# --- sibling types: every DaemonSet kind, List items, patches -------------------------------------

@pytest.mark.parametrize("kind", K8S_DAEMON_SETS)
@pytest.mark.parametrize("policy", EXCUSED)
def test_every_daemon_set_kind_in_kube_system_is_a_node_agent(zone_pack, policy, kind):
    assert violations(zone_pack, policy, agent(kind=kind)) == []


def as_list(*items, kind=f"{DAEMON_SET}List"):
    return resource(kind, {"items": [item_props(i) for i in items]})


def item_props(res):
    return json_format.MessageToDict(res.properties)


@pytest.mark.parametrize("policy", EXCUSED)
def test_a_node_agent_in_a_daemon_set_list_is_one(zone_pack, policy):
    assert violations(zone_pack, policy, as_list(agent())) == []


@pytest.mark.parametrize("policy", EXCUSED)
def test_a_list_item_that_can_do_more_than_a_plugin_fires(zone_pack, policy):
    """The item with a token is judged as a workload, whatever the other item of the list is."""
    (found,) = violations(zone_pack, policy, as_list(agent(), agent(automountServiceAccountToken=True)))
    assert ".items[1]" in found.message


@pytest.mark.parametrize("policy", EXCUSED)
def test_a_deployment_list_in_kube_system_is_no_node_agent(zone_pack, policy):
    deployment = agent(kind="kubernetes:apps/v1:Deployment")
    assert violations(zone_pack, policy, as_list(deployment, kind="kubernetes:apps/v1:DeploymentList"))


def root_containers(run_as_non_root):
    spec = plugin_pod_spec("nvidia", device_plugins()["nvidia"], IMAGE, "dev-ai")
    return [{**c, "securityContext": {**c["securityContext"], "runAsNonRoot": run_as_non_root}}
            for c in spec["containers"]]


def test_a_node_agent_may_say_it_runs_as_root(zone_pack):
    assert violations(zone_pack, "k8s-run-as-non-root", agent(containers=root_containers(False))) == []


def test_a_daemon_set_patch_in_kube_system_that_turns_root_on_fires(zone_pack):
    """The same spec as a patch is no node agent: what it leaves out keeps the live object's values."""
    patch = agent(kind=f"{DAEMON_SET}Patch", containers=root_containers(False))
    (found,) = violations(zone_pack, "k8s-run-as-non-root", patch)
    assert "DaemonSetPatch" in found.message and "may run as root" in found.message


def test_a_daemon_set_patch_in_kube_system_that_keeps_non_root_passes(zone_pack):
    patch = agent(kind=f"{DAEMON_SET}Patch", containers=root_containers(True))
    assert violations(zone_pack, "k8s-run-as-non-root", patch) == []
