"""The zone's enclave key policy (components/kms_policy.py, RAZ-CMP-008) as KMS would judge it: the
zone's workload roles decrypt only with the configured measurements, nobody decrypts without an
attestation document, producers only encrypt, and the deployer keeps managing the key (KMS's
lockout safety check)."""
import json

import pytest

from components.kms_policy import enclave_key_policy
from regzone.attestation import attested_release_problems
from regzone_core.policy import Decision, Principal, Request, evaluate

ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:us-east-2:{ACCOUNT}:key/k"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/regzone-deployer"
PRODUCER = f"arn:aws:iam::{ACCOUNT}:role/promotion"
WORKLOAD = f"arn:aws:iam::{ACCOUNT}:role/regzone/clinical/workloads/notes"
IMAGE, SIGNER = "ab" * 48, "cd" * 48
ATTESTATION = {"kms:RecipientAttestation:ImageSha384": [IMAGE], "kms:RecipientAttestation:PCR8": [SIGNER]}


def document(**changes):
    arguments = {"zone_name": "clinical", "account_id": ACCOUNT, "partition": "aws",
                 "administrators": [f"arn:aws:iam::{ACCOUNT}:role/key-admin"], "deployer": DEPLOYER,
                 "producers": [PRODUCER], "attestation": ATTESTATION, **changes}
    return json.loads(enclave_key_policy(**arguments))


def decision(caller, action, context=None):
    return evaluate(document(), Request(Principal("AWS", caller), action, KEY,
                                        {"aws:PrincipalArn": caller, "kms:CallerAccount": ACCOUNT, **(context or {})}))


def attested(image=IMAGE, signer=SIGNER):
    return {"kms:RecipientAttestation:ImageSha384": image, "kms:RecipientAttestation:PCR8": signer}


def test_the_component_policy_is_sound():
    assert attested_release_problems(document(), zone="clinical", account=ACCOUNT, expected=ATTESTATION) == []


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey"])
def test_workload_in_the_configured_enclave_gets_its_keys(action):
    assert decision(WORKLOAD, action, attested()) is Decision.ALLOW
    assert decision(WORKLOAD, action, attested(image=IMAGE.upper())) is Decision.ALLOW   # IgnoreCase


@pytest.mark.parametrize("context, expected", [
    ({}, Decision.EXPLICIT_DENY),                                      # no attestation document
    (attested(image="ef" * 48), Decision.IMPLICIT_DENY),               # a modified image
    (attested(signer="ef" * 48), Decision.IMPLICIT_DENY),              # signed by someone else
])
def test_anything_else_gets_nothing(context, expected):
    assert decision(WORKLOAD, "kms:Decrypt", context) is expected


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:GenerateDataKey"])
def test_producers_encrypt_only(action):
    assert decision(PRODUCER, "kms:Encrypt") is Decision.ALLOW
    assert decision(PRODUCER, action) is not Decision.ALLOW


def test_roles_off_the_workload_path_get_nothing_even_attested():
    assert decision(f"arn:aws:iam::{ACCOUNT}:role/other", "kms:Decrypt", attested()) is Decision.IMPLICIT_DENY


def test_deployer_keeps_managing_the_key():
    """KMS refuses a policy that would not let its caller change it again (lockout safety check)."""
    assert decision(DEPLOYER, "kms:PutKeyPolicy") is Decision.ALLOW
    assert decision(DEPLOYER, "kms:Decrypt") is not Decision.ALLOW


def test_without_producers_there_is_no_producer_statement():
    assert "ProducersEncryptForEnclaves" not in {s["Sid"] for s in document(producers=[])["Statement"]}


@pytest.mark.parametrize("attestation", [{}, {"kms:RecipientAttestation:ImageSha384": []},
                                         {"kms:ViaService": ["s3.us-east-2.amazonaws.com"]}])
def test_a_key_without_measurements_is_refused(attestation):
    with pytest.raises(ValueError):
        document(attestation=attestation)
