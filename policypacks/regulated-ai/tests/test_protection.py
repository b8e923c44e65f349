"""Protection policies: keys, buckets, trails and log groups must be `protect`ed; the audit
bucket and its Object Lock configuration are found through the stack (lock or trail)."""
import pytest

from analyzer_helpers import resource, stack_violations, violations

BUCKET, BUCKET_V2 = "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@pytest.mark.parametrize("type_token", [BUCKET, BUCKET_V2, TRAIL, LOG_GROUP,
                                        "aws:s3/directoryBucket:DirectoryBucket",
                                        "aws:s3tables/tableBucket:TableBucket",
                                        "aws:s3/vectorsVectorBucket:VectorsVectorBucket",
                                        "aws:cloudtrail/eventDataStore:EventDataStore"])
def test_unprotected_regulated_resource_fires(pack, type_token):
    assert violations(pack, "regulated-resource-protected", resource(type_token, {}, protect=True)) == []
    found = violations(pack, "regulated-resource-protected", resource(type_token, {}, protect=False))
    assert found and "not protected" in found[0].message


def audit_bucket(*, bucket_protected=True, lock_protected=True, via="lock"):
    bucket = resource(BUCKET, {"objectLockEnabled": via == "lock"}, name="audit", protect=bucket_protected)
    tie = {"property_dependencies": {"bucket": [bucket.urn]}}
    if via == "lock":
        return [bucket, resource(LOCK, {"bucket": "audit-1a2b", "rule": {"defaultRetention": {
            "mode": "COMPLIANCE", "days": 2555}}}, name="audit-lock", protect=lock_protected, **tie)]
    return [bucket, resource(TRAIL, {"s3BucketName": "audit-1a2b"}, name="trail", protect=True,
                             property_dependencies={"s3BucketName": [bucket.urn]})]


@pytest.mark.parametrize("via", ["lock", "trail"])
def test_protected_audit_bucket_passes(pack, via):
    assert stack_violations(pack, "audit-bucket-protected", audit_bucket(via=via)) == []


@pytest.mark.parametrize("via", ["lock", "trail"])
def test_unprotected_audit_bucket_fires(pack, via):
    found = stack_violations(pack, "audit-bucket-protected", audit_bucket(bucket_protected=False, via=via))
    assert len(found) == 1 and found[0].urn.endswith("::audit") and "RAZ-AUD-002" in found[0].message


def test_unprotected_object_lock_configuration_fires(pack):
    found = stack_violations(pack, "audit-bucket-protected", audit_bucket(lock_protected=False))
    assert len(found) == 1 and found[0].urn.endswith("::audit-lock")


def test_plain_bucket_is_not_an_audit_bucket(pack):
    plain = [resource(BUCKET, {}, name="scratch", protect=False)]
    assert stack_violations(pack, "audit-bucket-protected", plain) == []
