"""The in-cluster program against the recorded zone programs (issue 14): each device plugin runs on
exactly the nodes that need it, from the zone registry by the digest its intake record gives, and
the workload roles of classes requiring confidential compute may use the enclave key only from an
attested enclave."""
import json

import pytest

from components.k8s.device_plugins import plugin_pod_spec
from components.k8s.labels import data_class_tolerations
from regzone.config.loader import load_stack_file, read_stack_file
from regzone.device_plugins import device_plugins
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import record_program

pytestmark = pytest.mark.slow  # each test records programs under mocks (seconds)
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def recordings(stack: str, zone: str):
    zone_recording = record_program(STACKS_DIR, stack, read_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml"))
    config = {"aws:region": load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml").region,
              "regzone-incluster:zone_stack": stack, "regzone-incluster:zone": zone}
    incluster = record_program(REPO_ROOT / "incluster", stack, config, project="regzone-incluster",
                               stack_outputs={f"organization/regzone/{stack}": zone_recording.outputs})
    return zone_recording, incluster


@pytest.fixture(scope="module")
def dev():
    return recordings("dev", "dev-ai")


def schedulable_on(daemon_set, node_labels: dict, taints: list) -> bool:
    """Whether the DaemonSet's pods may run on a node with these labels and taints."""
    spec = daemon_set.inputs["spec"]["template"]["spec"]
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    fits = any(all(node_labels.get(e["key"]) in e["values"] for e in term["matchExpressions"]) for term in terms)
    return fits and tolerates(spec.get("tolerations", []), taints)


def tolerates(tolerations: list, taints: list) -> bool:
    """Kubernetes' rule: every NoSchedule taint is matched by key, effect and (for Equal) value."""
    return all(any(t["key"] == taint["key"] and t["effect"].replace("NoSchedule", "NO_SCHEDULE") == taint["effect"]
                   and (t.get("operator") == "Exists" or t.get("value") == taint.get("value"))
                   for t in tolerations) for taint in taints)


def test_node_groups_admit_only_pods_tolerating_their_classes(dev):
    """Every group carries a taint per class it holds: a pod that tolerates none lands nowhere, one
    that tolerates the group's classes lands there."""
    zone, _ = dev
    groups = {r.name: r.inputs for r in zone.resources if r.type == NODE_GROUP}
    assert groups and not any(tolerates([], g.get("taints") or []) for g in groups.values())
    cpu = groups["dev-ai-cpu-preprocess-ng"]
    classes = sorted(k.removeprefix("data-class.regzone.io/") for k in cpu["labels"] if k.startswith("data-class."))
    assert classes == ["personal_data", "public"]
    assert tolerates(data_class_tolerations(classes), cpu["taints"])
    assert not tolerates(data_class_tolerations(["personal_data"]), cpu["taints"])


def test_each_plugin_runs_on_exactly_the_nodes_that_need_it(dev):
    zone, incluster = dev
    groups = {r.name: r.inputs for r in zone.resources if r.type == NODE_GROUP}
    plugins = {r.inputs["metadata"]["name"]: r for r in incluster.resources if r.type == DAEMON_SET}
    assert set(plugins) == {"nvidia-device-plugin", "nitro-enclaves-device-plugin"}
    placement = {name: sorted(g for g, inputs in groups.items()
                              if schedulable_on(plugin, inputs["labels"], inputs.get("taints") or []))
                 for name, plugin in plugins.items()}
    # dev: gpu-inference is a GPU group with Nitro Enclaves; cpu-preprocess runs AMD SEV-SNP.
    assert placement == {"nvidia-device-plugin": ["dev-ai-gpu-inference-ng"],
                         "nitro-enclaves-device-plugin": ["dev-ai-gpu-inference-ng"]}


def test_plugins_come_from_the_zone_registry_by_the_promoted_digest(dev):
    zone, incluster = dev
    artifacts = {a.source: a for a in load_stack_file(STACKS_DIR / "Pulumi.dev.yaml").zones[0].registry.artifacts}
    for daemon_set in (r for r in incluster.resources if r.type == DAEMON_SET):
        assert daemon_set.inputs["metadata"]["namespace"] == "kube-system"
        (container,) = daemon_set.inputs["spec"]["template"]["spec"]["containers"]
        record = artifacts[device_plugins()[container["name"]].image]
        assert container["image"] == (f"111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai/{record.repository}"
                                      f"@{record.checksum}")
        assert container["securityContext"] == {"allowPrivilegeEscalation": False, "privileged": False,
                                                "capabilities": {"drop": ["ALL"]}}
    repositories = {r.inputs["name"] for r in zone.resources if r.type == "aws:ecr/repository:Repository"}
    assert {f"dev-ai/{a.repository}" for a in artifacts.values()} <= repositories


def test_enclave_plugin_on_a_cpu_enclave_group_and_not_on_sev_snp():
    plugin = device_plugins()["nitro_enclaves"]
    spec = plugin_pod_spec("nitro_enclaves", plugin, "r/p@sha256:" + "a" * 64, "eu-support")
    (term,) = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    required = {e["key"]: e["values"] for e in term["matchExpressions"]}
    assert required == {"regzone.io/zone": ["eu-support"], "regzone.io/confidential": ["nitro_enclaves"],
                        "aws-nitro-enclaves-k8s-dp": ["enabled"]}
    assert {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]} == {
        "device-plugin": "/var/lib/kubelet/device-plugins", "dev": "/dev", "sys": "/sys"}


def test_hipaa_workload_roles_use_the_enclave_key_only_from_attested_enclaves():
    zone, incluster = recordings("hipaa", "clinical-ai")
    enclave_key = zone.outputs["zones"]["clinical-ai"]["key_arns"]["enclave"]
    attestation = load_stack_file(STACKS_DIR / "Pulumi.hipaa.yaml").zones[0].enclave_attestation.conditions()
    policies = {r.name: json.loads(r.inputs["policy"]) for r in incluster.resources
                if r.type == "aws:iam/rolePolicy:RolePolicy"}
    attested = {name for name, document in policies.items()
                for s in document["Statement"] if s.get("Sid") == "EnclaveKeyInAttestedEnclave"
                and s["Resource"] == [enclave_key] and s["Condition"] == {"StringEqualsIgnoreCase": attestation}}
    # ePHI workloads only; the evaluation on de-identified data gets no enclave key.
    assert attested == {"clinical-ai-notes-summarizer-permissions", "clinical-ai-readmission-risk-train-permissions"}
    assert {r.inputs["metadata"]["name"] for r in incluster.resources if r.type == DAEMON_SET} == {
        "nvidia-device-plugin", "nitro-enclaves-device-plugin"}
