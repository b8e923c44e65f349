"""KMS controls through every type that creates a key or sets its policy (replica keys, keys with imported
material, the separate KeyPolicy resource): each is judged like aws.kms.Key, and booleans and numbers are
read as the provider reads them."""
import json

import pytest

from analyzer_helpers import resource, violations

KEY = "aws:kms/key:Key"
EXTERNAL = "aws:kms/externalKey:ExternalKey"
REPLICA = "aws:kms/replicaKey:ReplicaKey"
REPLICA_EXTERNAL = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ROOT = "arn:aws:iam::111122223333:root"
OPEN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]})


@pytest.mark.parametrize("value", [True, "true", "1", "t", 1])
def test_rotation_given_in_any_form_the_provider_reads_as_true_passes(pack, value):
    assert violations(pack, "kms-key-rotation-enabled", resource(KEY, {"enableKeyRotation": value})) == []


@pytest.mark.parametrize("value", [False, "false", "0", "F", 0, ""])
def test_rotation_given_in_any_form_the_provider_reads_as_false_fires(pack, value):
    found = violations(pack, "kms-key-rotation-enabled", resource(KEY, {"enableKeyRotation": value}))
    assert len(found) == 1 and "does not rotate" in found[0].message


def test_rotation_the_provider_cannot_read_is_reported(pack):
    found = violations(pack, "kms-key-rotation-enabled", resource(KEY, {"enableKeyRotation": "yes"}))
    assert len(found) == 1 and "does not read as a boolean" in found[0].message


@pytest.mark.parametrize("type_token, props", [
    (EXTERNAL, {"deletionWindowInDays": 30}),
    (REPLICA_EXTERNAL, {"primaryKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1"}),
])
def test_symmetric_keys_with_imported_material_cannot_rotate(pack, type_token, props):
    found = violations(pack, "kms-key-rotation-enabled", resource(type_token, props))
    assert len(found) == 1 and "imported key material" in found[0].message


def test_asymmetric_imported_key_is_exempt_from_rotation(pack):
    assert violations(pack, "kms-key-rotation-enabled",
                      resource(EXTERNAL, {"keySpec": "ECC_NIST_P384", "keyUsage": "SIGN_VERIFY"})) == []


@pytest.mark.parametrize("type_token", [KEY, EXTERNAL, REPLICA, REPLICA_EXTERNAL])
@pytest.mark.parametrize("days, fires", [(30, False), ("30", False), (7, True), ("7", True), ("7.0", True)])
def test_deletion_window_of_every_key_type(pack, type_token, days, fires):
    found = violations(pack, "kms-key-deletion-window", resource(type_token, {"deletionWindowInDays": days}))
    assert bool(found) is fires, found


@pytest.mark.parametrize("days", ["thirty", "nan", "inf", True])
def test_deletion_window_the_provider_cannot_read_is_reported(pack, days):
    found = violations(pack, "kms-key-deletion-window", resource(KEY, {"deletionWindowInDays": days}))
    assert len(found) == 1 and "does not read as a number" in found[0].message


@pytest.mark.parametrize("type_token, props", [
    (KEY_POLICY, {"keyId": "key-1", "policy": OPEN_POLICY}),
    (REPLICA, {"primaryKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1", "policy": OPEN_POLICY}),
    (EXTERNAL, {"policy": OPEN_POLICY}),
    (REPLICA_EXTERNAL, {"primaryKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1", "policy": OPEN_POLICY}),
])
def test_key_policy_of_every_sibling_is_judged(pack, type_token, props):
    found = violations(pack, "kms-key-policy-separation", resource(type_token, props))
    assert any("allows principal *" in d.message for d in found), found


def test_replica_without_a_policy_gets_the_default_policy_and_fires(pack):
    found = violations(pack, "kms-key-policy-separation",
                       resource(REPLICA, {"primaryKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1"}))
    assert found and "has no key policy" in found[0].message


@pytest.mark.parametrize("type_token", [EXTERNAL, REPLICA, REPLICA_EXTERNAL])
def test_every_key_type_must_be_protected(pack, type_token):
    assert violations(pack, "regulated-resource-protected", resource(type_token, {}))
    assert violations(pack, "regulated-resource-protected", resource(type_token, {}, protect=True)) == []
