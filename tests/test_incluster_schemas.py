"""Every Kubernetes object the in-cluster program registers for the reference zones is a valid
manifest for the clusters it targets: validated, strictly (no field the API does not define), against
the Kubernetes OpenAPI schemas that kubernetes-validate bundles (offline), for Kubernetes 1.33 (the
version the in-cluster objects must still serve, issue 20) and for the version of the zone's cluster."""
import copy

import kubernetes_validate
import pytest
from pulumi.runtime.rpc import UNKNOWN

from components.k8s.incluster_config import parse_incluster_config, zone_of
from regzone.config.loader import load_stack_file, read_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import record_program
from regzone.preview.run import governing_stack
from regzone.record.state import SECRET_SIG, SIG_KEY

INCLUSTER = REPO_ROOT / "incluster"
FLOOR = "1.33"
# Custom resources: kubernetes-validate bundles only the built-in API, so these are validated by their
# CRDs in the cluster (Kyverno's, which must be installed before verify_image_signatures is turned
# on). Listed so that a new custom kind is a decision, not a silent skip.
CUSTOM_KINDS = {"kubernetes:kyverno.io/v1:ClusterPolicy"}


def manifest(value, path="inputs"):
    """The wire form of recorded inputs as a manifest: secrets unwrapped, integral numbers (the wire
    has only doubles) as integers. An unknown cannot be validated, so it fails the test."""
    assert value != UNKNOWN, f"{path} is unknown at preview: the manifest cannot be validated"
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return manifest(value["value"], path)
        return {key: manifest(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [manifest(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validate(obj, version):
    """The schema version validated against; raises kubernetes_validate.ValidationError."""
    return kubernetes_validate.validate(obj, version, strict=True)


def _objects(stack):
    path = INCLUSTER / f"Pulumi.{stack}.yaml"
    config = read_stack_file(path)
    zone_config, (zone_stack, qualified) = governing_stack("regzone-incluster", config, str(path))
    zone = record_program(STACKS_DIR, zone_stack, read_stack_file(STACKS_DIR / f"Pulumi.{zone_stack}.yaml"))
    recording = record_program(INCLUSTER, stack, config, project="regzone-incluster",
                               stack_outputs={qualified: zone.outputs})
    settings = parse_incluster_config(config, str(path))
    cluster = zone_of(load_stack_file(STACKS_DIR / f"Pulumi.{zone_stack}.yaml"), settings.zone, str(path)).cluster
    objects = [(r.type, r.name, manifest(r.inputs)) for r in recording.resources
               if r.type.startswith("kubernetes:") and not r.type.startswith("kubernetes:helm")
               and r.type != "pulumi:providers:kubernetes"]
    return objects, cluster.kubernetes_version


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "gdpr-eu", "hipaa", "pci"])
def test_every_incluster_object_validates_against_the_kubernetes_schemas(stack):
    objects, cluster_version = _objects(stack)
    kinds = {token.rsplit(":", 1)[1] for token, _, _ in objects}
    assert {"Namespace", "NetworkPolicy", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
            "ResourceQuota", "LimitRange", "Role", "RoleBinding"} <= kinds
    for token, name, obj in objects:  # the manifest is of the kind the provider registers
        api = obj["apiVersion"] if "/" in obj["apiVersion"] else f"core/{obj['apiVersion']}"
        assert token == f"kubernetes:{api}:{obj['kind']}", name
    custom = {token for token, _, _ in objects if token in CUSTOM_KINDS}
    # Zones at level 3 and above verify signatures at admission (RAZ-LVL-002): Kyverno's policy.
    assert (custom == CUSTOM_KINDS) == (stack != "dev"), custom
    invalid = []
    for version in sorted({FLOOR, cluster_version}):
        for token, name, obj in objects:
            if token in CUSTOM_KINDS:
                continue
            try:
                assert validate(obj, version) == version
            except kubernetes_validate.ValidationError as err:
                invalid.append(f"{version} {token} {name}: {'.'.join(map(str, err.path))}: {err.message}")
    assert invalid == []


NETWORK_POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": {"name": "default-deny", "namespace": "dev-ai-training"},
                  "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def test_a_valid_manifest_passes_and_invalid_ones_fail():
    """The validator is strict and typed: a misspelt field or a wrong type is refused for 1.33."""
    assert validate(NETWORK_POLICY, FLOOR) == FLOOR
    misspelt = copy.deepcopy(NETWORK_POLICY)
    misspelt["spec"]["podSelectr"] = misspelt["spec"].pop("podSelector")
    wrong_type = copy.deepcopy(NETWORK_POLICY)
    wrong_type["spec"]["policyTypes"] = "Egress"
    for obj in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            validate(obj, FLOOR)


def test_wire_values_become_manifest_values():
    wire = {"spec": {"ports": [{"port": 443.0}], "token": {SIG_KEY: SECRET_SIG, "value": "s"}, "ratio": 0.5}}
    assert manifest(wire) == {"spec": {"ports": [{"port": 443}], "token": "s", "ratio": 0.5}}
    with pytest.raises(AssertionError, match=r"inputs.spec.cidr is unknown"):
        manifest({"spec": {"cidr": UNKNOWN}})
