"""The WORM audit bucket exactly as AuditBucket configures it (the wire inputs of the dev stack
under mocks, replayed through boto3 against moto in decorator mode), then proof that the lock is
real: a locked object version cannot be deleted, its retention reads back with head_object, and
the evidence checks pass on the bucket.

moto gaps (see ../shared/reference/moto.md): get_object_retention answers 500 (head_object is
used), moto lets a COMPLIANCE retention be shortened with put_object_retention (real S3 refuses,
so that is not tested here), and moto enforces '*' Deny statements of a bucket policy without
their conditions, so objects are written before the TLS-only policy is attached.
"""
from __future__ import annotations

import datetime
import io
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import offline_aws
from regzone.config.loader import read_stack_file
from regzone.evidence.model import Status
from regzone.evidence.runner import Progress, ScanOptions, scan
from regzone.paths import STACKS_DIR
from regzone.preview.mocks import MOCK_ACCOUNT_ID
from regzone.preview.recorder import record_program
from regzone.tags import TAG_ZONE

REGION = "eu-west-1"
ZONE = "dev-ai"
AUDIT = "dev-ai-audit"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def configured():
    """The audit bucket's configuration resources as the dev program registers them: type -> inputs."""
    recording = record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))
    wanted = {"aws:s3/bucket:Bucket": AUDIT,
              "aws:s3/bucketVersioning:BucketVersioning": f"{AUDIT}-versioning",
              "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": f"{AUDIT}-object-lock",
              "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": f"{AUDIT}-sse",
              "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": f"{AUDIT}-public-access",
              "aws:s3/bucketOwnershipControls:BucketOwnershipControls": f"{AUDIT}-ownership",
              "aws:s3/bucketPolicy:BucketPolicy": f"{AUDIT}-policy",
              "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": f"{AUDIT}-lifecycle"}
    found = {r.type: r.inputs for r in recording.resources if wanted.get(r.type) == r.name}
    assert set(found) == set(wanted)
    mock_key = found["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"][
        "rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    return found, mock_key


@pytest.fixture
def session(monkeypatch):
    with offline_aws(monkeypatch, REGION):
        yield boto3.Session(region_name=REGION)


_API_NAMES = {"id": "ID", "sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"}


def _aws_shape(value):
    """Wire-form (camelCase, floats) to the S3 API's shape (PascalCase, ints)."""
    if isinstance(value, dict):
        return {_API_NAMES.get(k, k[0].upper() + k[1:]): _aws_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_aws_shape(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def build_audit_bucket(session, configured) -> str:
    """Replay the component's inputs; the mock key ARN is swapped for a real (moto) KMS key."""
    inputs, mock_key = configured
    s3 = session.client("s3")
    key_arn = session.client("kms").create_key(Description="dev-ai audit")["KeyMetadata"]["Arn"]
    bucket = inputs["aws:s3/bucket:Bucket"]
    s3.create_bucket(Bucket=AUDIT, CreateBucketConfiguration={"LocationConstraint": REGION},
                     ObjectLockEnabledForBucket=bucket["objectLockEnabled"])
    s3.put_bucket_tagging(Bucket=AUDIT, Tagging={"TagSet": [
        {"Key": k, "Value": v} for k, v in {**bucket["tags"], TAG_ZONE: ZONE}.items()]})
    versioning = inputs["aws:s3/bucketVersioning:BucketVersioning"]["versioningConfiguration"]
    s3.put_bucket_versioning(Bucket=AUDIT, VersioningConfiguration={"Status": versioning["status"]})
    rule = inputs["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"]["rule"]
    s3.put_object_lock_configuration(Bucket=AUDIT, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": _aws_shape(rule)})
    sse = inputs["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"]
    s3.put_bucket_encryption(Bucket=AUDIT, ServerSideEncryptionConfiguration={
        "Rules": _aws_shape(json.loads(json.dumps(sse["rules"]).replace(mock_key, key_arn)))})
    block = inputs["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    s3.put_public_access_block(Bucket=AUDIT, PublicAccessBlockConfiguration={
        k[0].upper() + k[1:]: v for k, v in block.items() if k != "bucket"})
    ownership = inputs["aws:s3/bucketOwnershipControls:BucketOwnershipControls"]["rule"]
    s3.put_bucket_ownership_controls(Bucket=AUDIT, OwnershipControls={"Rules": [_aws_shape(ownership)]})
    lifecycle = inputs["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"]["rules"]
    s3.put_bucket_lifecycle_configuration(Bucket=AUDIT, LifecycleConfiguration={"Rules": _aws_shape(lifecycle)})
    return key_arn


def attach_policy(session, configured, key_arn: str) -> None:
    inputs, mock_key = configured
    document = inputs["aws:s3/bucketPolicy:BucketPolicy"]["policy"].replace(mock_key, key_arn)
    session.client("s3").put_bucket_policy(Bucket=AUDIT, Policy=document.replace(MOCK_ACCOUNT_ID, "123456789012"))


def retention_days(configured) -> int:
    inputs, _ = configured
    return int(inputs["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"]["rule"][
        "defaultRetention"]["days"])


def test_configuration_reads_back_as_the_component_sets_it(session, configured):
    key_arn = build_audit_bucket(session, configured)
    s3 = session.client("s3")
    lock = s3.get_object_lock_configuration(Bucket=AUDIT)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]  # moto also answers Years: 0
    assert (retention["Mode"], retention["Days"]) == ("COMPLIANCE", retention_days(configured))
    assert s3.get_bucket_versioning(Bucket=AUDIT)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=AUDIT)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert all(s3.get_public_access_block(Bucket=AUDIT)["PublicAccessBlockConfiguration"].values())


def test_locked_version_cannot_be_deleted(session, configured):
    build_audit_bucket(session, configured)
    s3 = session.client("s3")
    version = s3.put_object(Bucket=AUDIT, Key="AWSLogs/123456789012/CloudTrail/evidence.json.gz",
                            Body=b"{}")["VersionId"]
    head = s3.head_object(Bucket=AUDIT, Key="AWSLogs/123456789012/CloudTrail/evidence.json.gz", VersionId=version)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=retention_days(configured))
    assert abs(head["ObjectLockRetainUntilDate"] - expected) < datetime.timedelta(minutes=5)

    key = "AWSLogs/123456789012/CloudTrail/evidence.json.gz"
    for kwargs in ({}, {"BypassGovernanceRetention": True}):
        with pytest.raises(ClientError) as denied:
            s3.delete_object(Bucket=AUDIT, Key=key, VersionId=version, **kwargs)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
    errors = s3.delete_objects(Bucket=AUDIT, Delete={"Objects": [{"Key": key, "VersionId": version}]}).get("Errors")
    assert errors and errors[0]["Code"] == "AccessDenied"
    assert s3.head_object(Bucket=AUDIT, Key=key, VersionId=version)["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as not_empty:
        s3.delete_bucket(Bucket=AUDIT)
    assert not_empty.value.response["Error"]["Code"] == "BucketNotEmpty"


def test_evidence_checks_pass_on_the_configured_bucket(session, configured):
    key_arn = build_audit_bucket(session, configured)
    attach_policy(session, configured, key_arn)
    checks = ("s3_audit_bucket_object_lock_compliance", "s3_audit_bucket_versioning_enabled", "s3_bucket_kms_cmk_encryption",
              "s3_bucket_public_access_block", "s3_bucket_acls_disabled", "s3_bucket_tls_only_policy")
    options = ScanOptions(regions=(REGION,), zone=ZONE, min_retention_days=retention_days(configured), checks=checks,
                          max_attempts=1)
    findings = scan(options, session, Progress(io.StringIO())).findings
    by_check = {}
    for finding in findings:
        by_check.setdefault(finding.check, []).append(finding)
    assert set(by_check) == set(checks), findings
    assert all(f.status == Status.PASS for found in by_check.values() for f in found), findings


def test_a_longer_required_retention_fails_the_evidence_check(session, configured):
    build_audit_bucket(session, configured)
    options = ScanOptions(regions=(REGION,), zone=ZONE, min_retention_days=retention_days(configured) + 1,
                          checks=("s3_audit_bucket_object_lock_compliance",), max_attempts=1)
    findings = scan(options, session, Progress(io.StringIO())).findings
    assert [f.status for f in findings] == [Status.FAIL], findings
