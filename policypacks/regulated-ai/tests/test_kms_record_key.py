"""The zone's record-signing key (components/record_key.py) passes the KMS policies; signing is
use of a key, accepted for the deployer on the record-signing key only."""
import json

import pytest

from analyzer_helpers import resource, violations
from components.kms_policy import record_signing_key_policy
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient
from regzone.record import signing

KEY = "aws:kms/key:Key"
DEPLOYER = "arn:aws:iam::111122223333:role/regzone-deployer"
ADMIN = "arn:aws:iam::111122223333:role/key-admin"
SEPARATION = "kms-key-policy-separation"


def record_policy(administrators=(ADMIN,), deployer=DEPLOYER):
    return record_signing_key_policy(account_id="111122223333", partition="aws",
                                     administrators=list(administrators), deployer=deployer)


def record_key(policy=None, purpose=signing.PURPOSE):
    return resource(KEY, {"keyUsage": "SIGN_VERIFY", "customerMasterKeySpec": signing.KEY_SPEC,
                          "enableKeyRotation": False, "deletionWindowInDays": 30, "policy": policy or record_policy(),
                          "tags": {"purpose": purpose}}, name="dev-ai-record-key", protect=True)


@pytest.fixture(scope="module")
def deployer_pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"deployer_role_arn": DEPLOYER} for p in policies})
        yield client


@pytest.mark.parametrize("policy", ["kms-key-rotation-enabled", "kms-key-deletion-window", SEPARATION,
                                    "regulated-resource-protected"])
def test_record_key_passes(deployer_pack, policy):
    assert violations(deployer_pack, policy, record_key()) == []


def test_only_the_deployer_signs_and_only_digests():
    statements = json.loads(record_policy())["Statement"]
    signers = [s for s in statements if "kms:Sign" in s["Action"]]
    assert len(signers) == 1 and signers[0]["Principal"] == {"AWS": [DEPLOYER]}
    assert signers[0]["Condition"] == {"StringEquals": {"kms:CallerAccount": "111122223333",
                                                        "kms:SigningAlgorithm": "ECDSA_SHA_256",
                                                        "kms:MessageType": "DIGEST"}}
    verifiers = next(s for s in statements if s["Sid"] == "AccountVerifiesRecords")
    assert set(verifiers["Action"]) == {"kms:DescribeKey", "kms:GetPublicKey", "kms:Verify"}


def test_deployer_signing_on_another_key_fires(deployer_pack):
    """The same statement on a key of another purpose is the deployer using a key it manages."""
    found = violations(deployer_pack, SEPARATION, record_key(purpose="audit"))
    assert len(found) == 1 and "regzone-deployer (the deployer role)" in found[0].message


def test_administrator_who_can_sign_fires(deployer_pack):
    """Signing is use: an administrator who may sign could forge records."""
    document = json.loads(record_policy())
    document["Statement"][2]["Principal"] = {"AWS": [DEPLOYER, ADMIN]}
    found = violations(deployer_pack, SEPARATION, record_key(json.dumps(document)))
    assert len(found) == 1 and "role/key-admin may both administer" in found[0].message and "use (kms:Sign)" in found[0].message


def test_deployer_with_more_than_sign_fires(deployer_pack):
    document = json.loads(record_policy())
    document["Statement"][2]["Action"] = ["kms:Sign", "kms:Verify"]
    found = violations(deployer_pack, SEPARATION, record_key(json.dumps(document)))
    assert len(found) == 1 and "regzone-deployer (the deployer role)" in found[0].message
