"""kms-enclave-key-attested-release and eks-gpu-node-group-acknowledgement over the analyzer
protocol (issue 14): the components' output passes; a zone holding a class that requires
confidential compute without an enclave key, and enclave keys that release plaintext without
attestation or to any image, however written, fire; so does a GPU group that may run such a class
without its recorded acknowledgement."""
import json

import pytest

from analyzer_helpers import resource, stack_violations
from components.kms_policy import enclave_key_policy, key_policy
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

KEY = "aws:kms/key:Key"
NG = "aws:eks/nodeGroup:NodeGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
ACCOUNT = "111122223333"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/regzone-deployer"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/key-admin"
IMAGE = "ab" * 48
RELEASE = "kms-enclave-key-attested-release"
ACK = "eks-gpu-node-group-acknowledgement"
SETTINGS = {"deployer_role_arn": DEPLOYER,
            "data_class_policy": {"ephi": {"allowed_zones": ["clinical"], "require_confidential_compute": True},
                                  "internal": {"allowed_zones": ["clinical", "dev"]}}}


@pytest.fixture(scope="module")
def zone_pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: SETTINGS for p in policies})
        yield client


def provider(zone, classes):
    tags = {"owner": "o", "zone": zone, "data-class": "+".join(classes), "environment": "prod", "change-ref": "C"}
    return {"region": "us-east-2", "defaultTags": json.dumps({"tags": tags})}


def enclave_document(**changes):
    arguments = {"zone_name": "clinical", "account_id": ACCOUNT, "partition": "aws", "administrators": [ADMIN],
                 "deployer": DEPLOYER, "producers": [f"arn:aws:iam::{ACCOUNT}:role/promotion"],
                 "attestation": {"kms:RecipientAttestation:ImageSha384": [IMAGE]}, **changes}
    return json.loads(enclave_key_policy(**arguments))


def kms_key(purpose, document, *, zone="clinical", classes=("ephi",), name=None):
    return resource(KEY, {"policy": json.dumps(document), "tags": {"purpose": purpose}, "enableKeyRotation": True},
                    name=name or f"{zone}-{purpose}", provider_props=provider(zone, classes))


def data_key(zone="clinical", classes=("ephi",)):
    document = json.loads(key_policy(purpose="data", zone_name=zone, account_id=ACCOUNT, region="us-east-2",
                                     partition="aws", administrators=[ADMIN], users=[ADMIN.replace("admin", "user")],
                                     deployer=DEPLOYER))
    return kms_key("data", document, zone=zone, classes=classes)


def release(pack, *keys):
    return [d.message for d in stack_violations(pack, RELEASE, list(keys))]


def statements(document, without=()):
    document["Statement"] = [s for s in document["Statement"] if s["Sid"] not in without]
    return document


def test_component_enclave_key_passes(zone_pack):
    assert release(zone_pack, data_key(), kms_key("enclave", enclave_document())) == []


def test_zone_without_strict_class_needs_no_enclave_key(zone_pack):
    assert release(zone_pack, data_key("dev", ["internal"])) == []


def test_strict_zone_without_enclave_key_fires(zone_pack):
    (message,) = release(zone_pack, data_key())
    assert "zone clinical holds data class ephi, which requires confidential compute, but has no enclave key" \
        in message and "RAZ-CMP-008" in message


def test_class_unknown_to_the_pack_config_counts_as_strict(zone_pack):
    assert release(zone_pack, data_key("dev", ["genomes"]))


def test_unattested_decrypt_by_the_account_fires(zone_pack):
    document = statements(enclave_document(), without=["NothingLeavesWithoutAttestation"])
    document["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  "Action": "kms:Decrypt", "Resource": "*",
                                  "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-2.amazonaws.com"}}})
    messages = release(zone_pack, kms_key("enclave", document))
    assert any("workload roles may call kms:Decrypt without an attestation document" in m for m in messages)
    assert any("any-other-principal may call kms:Decrypt without an attestation document" in m for m in messages)


@pytest.mark.parametrize("condition", [
    {"StringLike": {"kms:RecipientAttestation:ImageSha384": "*"}},
    {"StringEqualsIgnoreCaseIfExists": {"kms:RecipientAttestation:ImageSha384": IMAGE}},
    {"Null": {"kms:RecipientAttestation:ImageSha384": "false"}},
])
def test_measurement_that_does_not_pin_the_image_fires(zone_pack, condition):
    """Written three ways, each lets an enclave running any image (or, without the Deny, no enclave) decrypt."""
    document = statements(enclave_document(), without=["NothingLeavesWithoutAttestation"])
    release_statement = next(s for s in document["Statement"] if s["Sid"] == "ZoneWorkloadsInAttestedEnclaves")
    del release_statement["Condition"]["StringEqualsIgnoreCase"]
    release_statement["Condition"].update(condition)
    assert any("may call kms:Decrypt" in m for m in release(zone_pack, kms_key("enclave", document)))


def test_debug_mode_measurement_fires(zone_pack):
    document = enclave_document()
    statement = next(s for s in document["Statement"] if s["Sid"] == "ZoneWorkloadsInAttestedEnclaves")
    statement["Condition"]["StringEqualsIgnoreCase"]["kms:RecipientAttestation:ImageSha384"] = ["0" * 96]
    assert any("all zeros, the measurement of every debug-mode enclave" in m
               for m in release(zone_pack, kms_key("enclave", document)))


def test_enclave_key_for_another_zones_roles_fires(zone_pack):
    document = enclave_document(zone_name="other")
    (message,) = release(zone_pack, kms_key("enclave", document))
    assert "no statement lets the zone's workload roles (IAM path /regzone/clinical/workloads/) decrypt" in message


def test_grant_without_attestation_fires(zone_pack):
    document = statements(enclave_document(), without=["NothingLeavesWithoutAttestation"])
    document["Statement"].append({"Sid": "Grants", "Effect": "Allow", "Principal": {"AWS": ADMIN},
                                  "Action": "kms:CreateGrant", "Resource": "*"})
    assert any(f"{ADMIN} may call kms:CreateGrant without an attestation document" in m
               for m in release(zone_pack, kms_key("enclave", document)))


def test_the_deny_keeps_a_broad_allow_from_releasing_plaintext(zone_pack):
    """An Allow to the account with no condition is caught by the Deny for requests without
    attestation, but still lets an enclave of any image decrypt: it fires for that."""
    document = enclave_document()
    document["Statement"].append({"Sid": "Broad", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  "Action": "kms:*", "Resource": "*"})
    messages = release(zone_pack, kms_key("enclave", document))
    assert not any("without an attestation document" in m for m in messages)
    assert any("measurements the policy does not name (any image) may call kms:Decrypt" in m for m in messages)


def test_unknown_zone_tag_is_reported_not_passed(zone_pack):
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    key = resource(KEY, {"policy": json.dumps(enclave_document()), "tags": {"purpose": "enclave", "zone": unknown}},
                   provider_props={"region": "us-east-2"})
    assert any("cannot be verified at preview" in m for m in release(zone_pack, key))


# --- GPU groups -------------------------------------------------------------------------------

def node_group(instance_types=("g5.2xlarge",), classes=("ephi",), template=None, **tags):
    props = {"instanceTypes": list(instance_types), "amiType": "AL2023_x86_64_NVIDIA",
             "labels": {f"data-class.regzone.io/{c}": "true" for c in classes},
             "tags": {"regzone:confidential-required": "true", **tags}}
    if template is None:
        return resource(NG, props)
    return resource(NG, {**props, "launchTemplate": {"id": "lt-1", "version": "1"}},
                    property_dependencies={"launchTemplate": [template.urn]})


def ack(pack, *resources):
    return stack_violations(pack, ACK, list(resources))


def test_acknowledged_gpu_group_passes(zone_pack):
    acknowledged = node_group(**{"regzone:gpu-processing-acknowledgement": "RISK-2026-014"})
    assert ack(zone_pack, acknowledged) == []


def test_gpu_group_without_acknowledgement_fires(zone_pack):
    (found,) = ack(zone_pack, node_group())
    assert "runs on GPU parents (g5.2xlarge) and may run ephi" in found.message and "RAZ-CMP-009" in found.message


def test_gpu_group_without_strict_class_passes(zone_pack):
    group = resource(NG, {"instanceTypes": ["g5.2xlarge"], "labels": {"data-class.regzone.io/internal": "true"},
                          "tags": {"regzone:confidential-required": "false"}})
    assert ack(zone_pack, group) == []


def test_cpu_group_needs_no_acknowledgement(zone_pack):
    assert ack(zone_pack, node_group(instance_types=["m6a.2xlarge"])) == []


def test_uncatalogued_type_counts_as_gpu(zone_pack):
    assert ack(zone_pack, node_group(instance_types=["g7e.2xlarge"]))


def launch_template(**props):
    return resource(LT, {"enclaveOptions": {"enabled": True}, **props}, name="gpu-lt")


def test_gpu_type_in_the_launch_template_fires(zone_pack):
    """EKS takes the group's types from its launch template when the group names none."""
    template = launch_template(instanceType="g5.2xlarge")
    (found,) = ack(zone_pack, node_group(instance_types=(), template=template), template)
    assert "runs on GPU parents (g5.2xlarge)" in found.message


def test_cpu_type_in_the_launch_template_passes(zone_pack):
    template = launch_template(instanceType="m6a.2xlarge")
    assert ack(zone_pack, node_group(instance_types=(), template=template), template) == []


def test_acknowledged_group_with_gpu_type_in_the_launch_template_passes(zone_pack):
    template = launch_template(instanceType="g5.2xlarge")
    group = node_group(instance_types=(), template=template,
                       **{"regzone:gpu-processing-acknowledgement": "RISK-2026-014"})
    assert ack(zone_pack, group, template) == []


def test_instance_requirements_in_the_launch_template_count_as_gpu(zone_pack):
    template = launch_template(instanceRequirements={"vcpuCount": {"min": 4}, "memoryMib": {"min": 16384}})
    (found,) = ack(zone_pack, node_group(instance_types=(), template=template), template)
    assert "instanceRequirements" in found.message


def test_launch_template_outside_the_stack_counts_as_gpu(zone_pack):
    group = resource(NG, {"launchTemplate": {"name": "elsewhere"}, "tags": {"regzone:confidential-required": "true"},
                          "labels": {"data-class.regzone.io/ephi": "true"}})
    (found,) = ack(zone_pack, group)
    assert "a launch template outside this stack" in found.message


# --- every key type, and KeyPolicy resources ---------------------------------------------------

@pytest.mark.parametrize("key_type", ["aws:kms/externalKey:ExternalKey", "aws:kms/replicaKey:ReplicaKey",
                                      "aws:kms/replicaExternalKey:ReplicaExternalKey"])
def test_enclave_key_of_every_key_type_is_judged(zone_pack, key_type):
    bad = statements(enclave_document(), without=["NothingLeavesWithoutAttestation"])
    bad["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                             "Action": "kms:Decrypt", "Resource": "*"})

    def key(document):
        return resource(key_type, {"policy": json.dumps(document), "tags": {"purpose": "enclave"}},
                        name="clinical-enclave", provider_props=provider("clinical", ["ephi"]))
    assert any("may call kms:Decrypt without an attestation document" in m for m in release(zone_pack, key(bad)))
    assert release(zone_pack, key(enclave_document())) == []


def key_policy_for(key, document, name="enclave-policy"):
    return resource("aws:kms/keyPolicy:KeyPolicy", {"keyId": "k", "policy": json.dumps(document)}, name=name,
                    property_dependencies={"keyId": [key.urn]}, provider_props=provider("clinical", ["ephi"]))


def test_key_policy_resource_replacing_the_enclave_policy_fires(zone_pack):
    """The key is created with the attested policy; a KeyPolicy resource replaces it with one that
    lets the account decrypt without attestation."""
    key = kms_key("enclave", enclave_document())
    replaced = statements(enclave_document(), without=["NothingLeavesWithoutAttestation"])
    replaced["Statement"].append({"Sid": "Everyone", "Effect": "Allow",
                                  "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  "Action": "kms:Decrypt", "Resource": "*"})
    messages = release(zone_pack, key, key_policy_for(key, replaced))
    assert messages and all("(KeyPolicy 'enclave-policy')" in m for m in messages)


def test_key_policy_resource_with_the_attested_policy_passes(zone_pack):
    key = resource(KEY, {"tags": {"purpose": "enclave"}, "enableKeyRotation": True}, name="clinical-enclave",
                   provider_props=provider("clinical", ["ephi"]))
    assert release(zone_pack, key, key_policy_for(key, enclave_document())) == []


def test_enclave_key_without_policy_fires(zone_pack):
    key = resource(KEY, {"tags": {"purpose": "enclave"}, "enableKeyRotation": True}, name="clinical-enclave",
                   provider_props=provider("clinical", ["ephi"]))
    (message,) = release(zone_pack, key)
    assert "it has no key policy" in message
