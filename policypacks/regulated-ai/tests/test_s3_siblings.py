"""S3 controls through the storage and access types beside the bucket: S3 Metadata, table and vector
buckets, the account's and access points' public access blocks, object ACLs, and every other S3 resource
policy; booleans and numbers as the provider reads them."""
import json

import pytest

from analyzer_helpers import resource, violations

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KMS = {"sseAlgorithm": "aws:kms", "kmsKeyArn": KEY_ARN}
AES = {"sseAlgorithm": "AES256"}
ENCRYPTION = [
    ("aws:s3/bucketMetadataConfiguration:BucketMetadataConfiguration",
     {"metadataConfiguration": {"journalTableConfiguration": {"encryptionConfiguration": KMS}}},
     {"metadataConfiguration": {"journalTableConfiguration": {"encryptionConfiguration": KMS},
                                "inventoryTableConfiguration": {"encryptionConfiguration": AES}}}),
    ("aws:s3/bucketMetadataConfiguration:BucketMetadataConfiguration",
     {"metadataConfiguration": {"journalTableConfiguration": {"encryptionConfiguration": KMS}}},
     {"metadataConfiguration": {"journalTableConfiguration": {}}}),
    ("aws:s3tables/tableBucket:TableBucket", {"encryptionConfiguration": KMS}, {}),
    ("aws:s3tables/table:Table", {}, {"encryptionConfiguration": {"sseAlgorithm": "aws:kms"}}),
    ("aws:s3/vectorsVectorBucket:VectorsVectorBucket",
     {"encryptionConfigurations": [{"sseType": "aws:kms", "kmsKeyArn": KEY_ARN}]},
     {"encryptionConfigurations": [{"sseType": "AES256"}]}),
    ("aws:s3/vectorsIndex:VectorsIndex", {}, {"encryptionConfigurations": [{"sseType": "AES256"}]}),
    ("aws:s3/bucketV2:BucketV2",
     {"serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
         {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}]}]}]},
     {"serverSideEncryptionConfigurations": [{"rules": [{"applyServerSideEncryptionByDefaults": [
         {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}]}]}]}),
]


@pytest.mark.parametrize("type_token, good, bad", ENCRYPTION,
                         ids=[f"{t}-{i}" for i, (t, *_) in enumerate(ENCRYPTION)])
def test_storage_beside_the_bucket_must_use_the_zone_key(pack, type_token, good, bad):
    assert violations(pack, "s3-encryption-kms-cmk", resource(type_token, good, protect=True)) == []
    found = violations(pack, "s3-encryption-kms-cmk", resource(type_token, bad, protect=True))
    assert found and all("RAZ-S3-001" in d.message for d in found), found


FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def test_account_public_access_block_needs_all_four_flags(pack):
    account = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
    assert violations(pack, "s3-public-access-block-enabled",
                      resource(account, {flag: "true" for flag in FLAGS})) == []
    found = violations(pack, "s3-public-access-block-enabled",
                       resource(account, {**{flag: True for flag in FLAGS}, "restrictPublicBuckets": "0"}))
    assert len(found) == 1 and "restrictPublicBuckets" in found[0].message


@pytest.mark.parametrize("type_token, prefix", [
    ("aws:s3/accessPoint:AccessPoint", ("publicAccessBlockConfiguration",)),
    ("aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint", ("details", "publicAccessBlock")),
])
def test_access_points_block_public_access_unless_turned_off(pack, type_token, prefix):
    def nested(flags):
        props = flags
        for part in reversed(prefix):
            props = {part: props}
        return props
    assert violations(pack, "s3-public-access-block-enabled", resource(type_token, {})) == []  # AWS default: on
    found = violations(pack, "s3-public-access-block-enabled",
                       resource(type_token, nested({"blockPublicPolicy": False})))
    assert len(found) == 1 and "blockPublicPolicy" in found[0].message


@pytest.mark.parametrize("type_token, props", [
    ("aws:s3/bucketObject:BucketObject", {"bucket": "b", "key": "k", "acl": "public-read"}),
    ("aws:s3/bucketObjectv2:BucketObjectv2", {"bucket": "b", "key": "k", "acl": "authenticated-read"}),
    ("aws:s3/objectCopy:ObjectCopy", {"bucket": "b", "key": "k", "source": "s/k", "grants": [
        {"type": "Group", "permissions": ["READ"], "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}]}),
])
def test_public_object_acls_fire(pack, type_token, props):
    assert violations(pack, "s3-no-public-acl", resource(type_token, props))
    assert violations(pack, "s3-no-public-acl", resource(type_token, {"bucket": "b", "key": "k", "acl": "private"})) == []


OPEN = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}]})
CLOSED = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Zone", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reader"},
     "Action": "s3:GetObject", "Resource": "*"}]})


@pytest.mark.parametrize("type_token", [
    "aws:s3/accessPoint:AccessPoint", "aws:s3control/accessPointPolicy:AccessPointPolicy",
    "aws:s3control/bucketPolicy:BucketPolicy", "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy", "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy",
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy"])
def test_every_s3_resource_policy_is_judged(pack, type_token):
    found = violations(pack, "s3-bucket-policy-no-public-principal", resource(type_token, {"policy": OPEN}))
    assert len(found) == 1 and "Open" in found[0].message
    assert violations(pack, "s3-bucket-policy-no-public-principal", resource(type_token, {"policy": CLOSED})) == []


@pytest.mark.parametrize("days, fires", [("3650", False), ("30", True), ({"years": "10"}, False)])
def test_object_lock_retention_read_as_the_provider_reads_numbers(pack, days, fires):
    retention = {"mode": "COMPLIANCE", **(days if isinstance(days, dict) else {"days": days})}
    lock = resource("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                    {"bucket": "b", "rule": {"defaultRetention": retention}}, protect=True)
    assert bool(violations(pack, "s3-object-lock-compliance-retention", lock)) is fires
