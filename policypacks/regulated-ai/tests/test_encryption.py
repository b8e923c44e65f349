"""Data stores at rest under the zone key (RAZ-ENC-001) and the maximum KMS rotation period (RAZ-ENC-002),
over the real pack: each store encrypted with a customer-managed key passes; unencrypted, AWS-managed or
AWS-owned fires, in the forms the provider reads (string booleans, numeric strings)."""
import json

import pytest

from analyzer_helpers import resource, violations

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY = "data-store-zone-key"
SERVERLESS_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"

ENCRYPTED = {
    "aws:rds/instance:Instance": {"storageEncrypted": True, "kmsKeyId": KEY},
    "aws:rds/cluster:Cluster": {"storageEncrypted": "true", "kmsKeyId": UNKNOWN},
    "aws:rds/snapshotCopy:SnapshotCopy": {"kmsKeyId": KEY},
    "aws:efs/fileSystem:FileSystem": {"encrypted": True, "kmsKeyId": KEY},
    "aws:efs/replicationConfiguration:ReplicationConfiguration": {"destination": {"region": "eu-west-1", "kmsKeyId": KEY}},
    "aws:dynamodb/table:Table": {"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY},
                                 "replicas": [{"regionName": "eu-central-1", "kmsKeyArn": KEY}]},
    "aws:dynamodb/tableReplica:TableReplica": {"kmsKeyArn": KEY},
    "aws:sqs/queue:Queue": {"kmsMasterKeyId": KEY},
    "aws:sns/topic:Topic": {"kmsMasterKeyId": "alias/zone/data"},
    "aws:opensearch/domain:Domain": {"encryptAtRest": {"enabled": True, "kmsKeyId": KEY}},
    "aws:opensearch/serverlessCollection:ServerlessCollection": {"encryptionConfigs": [{"kmsKeyArn": KEY}]},
    "aws:elasticache/replicationGroup:ReplicationGroup": {"atRestEncryptionEnabled": "1", "kmsKeyId": KEY},
    "aws:elasticache/serverlessCache:ServerlessCache": {"kmsKeyId": KEY},
    SERVERLESS_POLICY: {"type": "encryption", "policy": json.dumps(
        {"Rules": [{"ResourceType": "collection", "Resource": ["collection/zone*"]}], "AWSOwnedKey": False,
         "KmsARN": KEY})},
}


@pytest.mark.parametrize("type_token", sorted(ENCRYPTED))
def test_stores_under_a_customer_managed_key_pass(pack, type_token):
    assert violations(pack, POLICY, resource(type_token, ENCRYPTED[type_token])) == []


@pytest.mark.parametrize("type_token, props, expected", [
    ("aws:rds/instance:Instance", {"kmsKeyId": KEY}, "storageEncrypted is not true"),
    ("aws:rds/instance:Instance", {"storageEncrypted": "false", "kmsKeyId": KEY}, "not encrypted at rest with"),
    ("aws:rds/cluster:Cluster", {"storageEncrypted": True}, "kmsKeyId is unset"),
    ("aws:rds/snapshotCopy:SnapshotCopy", {"kmsKeyId": "alias/aws/rds"}, "alias/aws/rds"),
    ("aws:efs/fileSystem:FileSystem", {"encrypted": True}, "kmsKeyId is unset"),
    ("aws:efs/replicationConfiguration:ReplicationConfiguration", {"destination": {"region": "eu-west-1"}},
     "destination.kmsKeyId"),
    ("aws:dynamodb/table:Table", {}, "serverSideEncryption.enabled is not true"),
    ("aws:dynamodb/table:Table", {"serverSideEncryption": {"enabled": False}}, "enabled is not true"),
    ("aws:dynamodb/table:Table", {"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY},
                                  "replicas": [{"regionName": "eu-central-1"}]}, "replicas.0.kmsKeyArn"),
    ("aws:dynamodb/tableReplica:TableReplica", {}, "kmsKeyArn is unset"),
    ("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": True}, "kmsMasterKeyId is unset"),
    ("aws:sqs/queue:Queue", {"kmsMasterKeyId": "alias/aws/sqs"}, "alias/aws/sqs"),
    ("aws:sns/topic:Topic", {"kmsMasterKeyId": "arn:aws:kms:eu-west-1:111122223333:alias/aws/sns"}, "alias/aws/sns"),
    ("aws:opensearch/domain:Domain", {"encryptAtRest": {"enabled": True}}, "encryptAtRest.kmsKeyId"),
    ("aws:opensearch/domain:Domain", {}, "encryptAtRest.enabled is not true"),
    ("aws:opensearch/serverlessCollection:ServerlessCollection", {"encryptionConfigs": [{"awsOwnedKey": True}]},
     "encryptionConfigs.0.kmsKeyArn is unset"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", {"kmsKeyId": KEY}, "atRestEncryptionEnabled"),
    ("aws:elasticache/serverlessCache:ServerlessCache", {}, "kmsKeyId is unset"),
    (SERVERLESS_POLICY, {"type": "encryption", "policy": json.dumps({"Rules": [], "AWSOwnedKey": True})},
     "AWS-owned key"),
    (SERVERLESS_POLICY, {"type": "encryption", "policy": "{not json"}, "not JSON"),
])
def test_stores_under_aws_keys_or_unencrypted_fire(pack, type_token, props, expected):
    found = violations(pack, POLICY, resource(type_token, props))
    assert len(found) == 1 and expected in found[0].message and "RAZ-ENC-001" in found[0].message


def test_a_network_policy_is_not_an_encryption_policy(pack):
    props = {"type": "network", "policy": json.dumps([{"Rules": [], "AllowFromPublic": False}])}
    assert violations(pack, POLICY, resource(SERVERLESS_POLICY, props)) == []


def test_an_encryption_switch_unknown_at_preview_is_reported(pack):
    found = violations(pack, POLICY, resource("aws:rds/instance:Instance", {"storageEncrypted": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


ROTATION = "kms-key-rotation-period"
KMS_KEY = "aws:kms/key:Key"


@pytest.mark.parametrize("props", [{"enableKeyRotation": True}, {"enableKeyRotation": True, "rotationPeriodInDays": 90},
                                   {"enableKeyRotation": "true", "rotationPeriodInDays": "365"},
                                   {"enableKeyRotation": False, "rotationPeriodInDays": 2000}])
def test_keys_within_the_maximum_rotation_period_pass(pack, props):
    assert violations(pack, ROTATION, resource(KMS_KEY, props)) == []


@pytest.mark.parametrize("period", [366, "2560", 730.0])
def test_keys_rotating_less_often_than_the_maximum_fire(pack, period):
    found = violations(pack, ROTATION, resource(KMS_KEY, {"enableKeyRotation": True, "rotationPeriodInDays": period}))
    assert len(found) == 1 and "maximum cryptoperiod is 365" in found[0].message and "RAZ-ENC-002" in found[0].message


def test_a_rotation_period_unknown_at_preview_is_reported(pack):
    found = violations(pack, ROTATION, resource(KMS_KEY, {"enableKeyRotation": True, "rotationPeriodInDays": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message
