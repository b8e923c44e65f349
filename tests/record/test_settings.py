"""regzone.record.settings: one normalisation for recorded and live values, so that a setting differs
only when its value does."""
import json

import pytest

from regzone.evidence.model import ApiError, Resource
from regzone.record.settings import ABSENT, JUDGED, identifiers, lookup, normalise, policy_digest
from regzone.record.state import SECRET, StateResource


def test_lookup_follows_dots_and_list_indexes():
    value = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}
    assert lookup(value, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm") == "aws:kms"
    assert lookup(value, "rules[1].applyServerSideEncryptionByDefault") is ABSENT
    assert lookup({"a": None}, "a") is ABSENT and lookup([], "[0]") is ABSENT


@pytest.mark.parametrize("value, expected", [
    ("true", True), ("False", False), (True, True), (365.0, 365), ("30", 30), ("COMPLIANCE", "COMPLIANCE"),
    (None, ABSENT), (SECRET, ABSENT)])
def test_values_normalise_as_the_provider_reads_them(value, expected):
    assert normalise(value) == expected or normalise(value) is expected


def test_policy_digest_ignores_order_spacing_and_single_item_lists():
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:role/a"]},
         "Action": ["kms:Put*", "kms:Describe*"], "Resource": "*"}]}
    same = {"Statement": [{"Resource": "*", "Action": ["kms:Describe*", "kms:Put*"],
                           "Principal": {"AWS": "arn:aws:iam::1:role/a"}, "Effect": "Allow", "Sid": "A"}],
            "Version": "2012-10-17"}
    assert policy_digest(json.dumps(document, indent=4)) == policy_digest(same)
    wider = json.loads(json.dumps(document))
    wider["Statement"][0]["Action"].append("kms:Decrypt")
    assert policy_digest(wider) != policy_digest(document)
    assert policy_digest("not json").startswith("unparseable:") and policy_digest(SECRET) is ABSENT


def test_recorded_settings_skip_what_the_inputs_do_not_say_or_keep_secret():
    key = StateResource(urn="urn:pulumi:dev::regzone::aws:kms/key:Key::k", type="aws:kms/key:Key", id="1234",
                        custom=True, inputs={"enableKeyRotation": True, "policy": SECRET, "keyUsage": "ENCRYPT_DECRYPT"},
                        outputs={}, parent=None, provider=None)
    assert JUDGED[key.type].recorded(key) == {"rotation": True, "key_usage": "ENCRYPT_DECRYPT"}
    assert JUDGED[key.type].target(key) == "1234"
    versioning = StateResource(urn="urn:pulumi:dev::regzone::aws:s3/bucketVersioningV2:BucketVersioningV2::v",
                               type="aws:s3/bucketVersioningV2:BucketVersioningV2", id="b,123",
                               custom=True, inputs={"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
                               outputs={}, parent=None, provider=None)
    assert JUDGED[versioning.type].target(versioning) == "b"   # the bucket it configures, not its own id
    assert JUDGED[versioning.type].recorded(versioning) == {"versioning": "Enabled"}


def test_live_values_raise_what_could_not_be_read():
    denied = ApiError("kms GetKeyRotationStatus", "kms:GetKeyRotationStatus", "AccessDenied")
    key = Resource("arn:aws:kms:eu-west-1:1:key/1234", "eu-west-1",
                   {"metadata": {"KeyId": "1234", "KeyUsage": "ENCRYPT_DECRYPT"}, "rotation": denied})
    settings = {s.name: s for s in JUDGED["aws:kms/key:Key"].settings}
    assert settings["key_usage"].live(key) == "ENCRYPT_DECRYPT"
    with pytest.raises(ApiError):
        settings["rotation"].live(key)
    assert identifiers("key", key) == {"arn:aws:kms:eu-west-1:1:key/1234", "1234"}
    assert identifiers("bucket", Resource("arn:aws:s3:::b", "eu-west-1", {})) == {"arn:aws:s3:::b", "b"}
