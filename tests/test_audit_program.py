"""The dev stack's audit bucket, trail, data buckets and log groups under mocks: the wire inputs
the engine (and the pack) receive, and the protect/retainOnDelete options."""
import json

import pytest

from components.audit_bucket import NONCURRENT_GRACE_DAYS, TRANSITION_DAYS
from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import record_program
from tests.helpers import write_stack

AUDIT = "dev-ai-audit"
LOGS = "dev-ai-audit-access-logs"


@pytest.fixture(scope="module")
def dev():
    return record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))


def by_name(recording, type_token):
    return {r.name: r for r in recording.resources if r.type == type_token}


def one(recording, type_token, name):
    return by_name(recording, type_token)[name]


def key_arn(recording, purpose):
    return f"arn:aws:kms:eu-west-1:111122223333:key/dev-ai-keys-{purpose}"


def test_audit_bucket_is_locked_at_creation_and_kept(dev):
    bucket = one(dev, "aws:s3/bucket:Bucket", AUDIT)
    assert bucket.inputs["objectLockEnabled"] is True and bucket.inputs["forceDestroy"] is False
    assert bucket.inputs["tags"] == {"regzone:audit": "true"}
    assert bucket.protect and bucket.retain_on_delete
    assert bucket.parent.endswith("regzone:audit:AuditBucket::dev-ai-audit")


def test_object_lock_is_compliance_for_the_zone_retention(dev):
    lock = one(dev, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", f"{AUDIT}-object-lock")
    # GDPR only: no framework minimum, so the zone keeps its floor of 365 days (StackConfig.zone_retention_days).
    assert lock.inputs["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}
    assert lock.protect and lock.retain_on_delete
    bucket = one(dev, "aws:s3/bucket:Bucket", AUDIT)
    assert lock.property_dependencies["bucket"] == [bucket.urn]


def test_retention_follows_the_strictest_framework(tmp_path, dev_config):
    dev_config["regzone:frameworks"] = ["GDPR", "PCI-DSS", "SOX"]
    write_stack(tmp_path, "sox", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    recording = record_program(tmp_path, "sox", dev_config)
    lock = one(recording, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", f"{AUDIT}-object-lock")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 2555}
    lifecycle = one(recording, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", f"{AUDIT}-lifecycle")
    assert lifecycle.inputs["rules"][0]["expiration"]["days"] == 2555
    group = one(recording, "aws:cloudwatch/logGroup:LogGroup", "dev-ai-trail-logs")
    assert group.inputs["retentionInDays"] == 2557


@pytest.mark.parametrize("name", [AUDIT, LOGS, "dev-ai-data-public", "dev-ai-data-personal-data"])
def test_every_bucket_is_hardened(dev, name):
    purpose = "data" if name.startswith("dev-ai-data") else "audit"
    sse = one(dev, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              f"{name}-sse")
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn(dev, purpose)}, "bucketKeyEnabled": True}]
    block = one(dev, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{name}-public-access")
    assert all(block.inputs[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                 "restrictPublicBuckets"))
    ownership = one(dev, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"{name}-ownership")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    versioning = one(dev, "aws:s3/bucketVersioning:BucketVersioning", f"{name}-versioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    for resource in (one(dev, "aws:s3/bucket:Bucket", name), sse, block, ownership, versioning):
        assert resource.protect and resource.retain_on_delete, resource.name
    statements = {s["Sid"]: s for s in json.loads(
        one(dev, "aws:s3/bucketPolicy:BucketPolicy", f"{name}-policy").inputs["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["DenyUploadsWithAnotherKey"]["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn(dev, purpose)}
    assert {"DenyNonKmsUploads", "DenyKmsUploadsWithoutZoneKey"} <= set(statements)


def test_audit_bucket_policy_admits_only_this_accounts_log_delivery(dev):
    document = json.loads(one(dev, "aws:s3/bucketPolicy:BucketPolicy", f"{AUDIT}-policy").inputs["policy"])
    allows = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    assert {s["Sid"] for s in allows} == {"LogDeliveryChecksBucketAcl", "CloudTrailDelivers", "FlowLogsDeliver"}
    for statement in allows:
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "111122223333"
        assert "AWS" not in statement["Principal"]
    trail = next(s for s in allows if s["Sid"] == "CloudTrailDelivers")
    assert trail["Resource"] == f"arn:aws:s3:::{AUDIT}/AWSLogs/111122223333/*"


def test_access_logs_go_to_the_separate_log_bucket(dev):
    logging = by_name(dev, "aws:s3/bucketLogging:BucketLogging")
    assert set(logging) == {f"{AUDIT}-access-logging", "dev-ai-data-public-access-logging",
                            "dev-ai-data-personal-data-access-logging"}
    for entry in logging.values():
        assert entry.inputs["targetBucket"] == LOGS
    assert not one(dev, "aws:s3/bucket:Bucket", LOGS).inputs.get("objectLockEnabled")


def test_audit_lifecycle_moves_to_cold_storage_and_never_expires_early(dev):
    rule = one(dev, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
               f"{AUDIT}-lifecycle").inputs["rules"][0]
    assert rule["status"] == "Enabled"
    assert rule["transitions"] == [{"days": TRANSITION_DAYS, "storageClass": "GLACIER_IR"}]
    assert rule["expiration"]["days"] >= 365
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == NONCURRENT_GRACE_DAYS


def test_one_data_bucket_per_data_class_with_its_retention(dev):
    buckets = {n: b for n, b in by_name(dev, "aws:s3/bucket:Bucket").items() if n.startswith("dev-ai-data-")}
    assert set(buckets) == {"dev-ai-data-public", "dev-ai-data-personal-data"}
    assert buckets["dev-ai-data-personal-data"].inputs["tags"] == {"data-class": "personal_data",
                                                                   "regzone:retention-days": "730"}
    rules = {n: one(dev, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    f"{n}-lifecycle").inputs["rules"][0] for n in buckets}
    assert rules["dev-ai-data-personal-data"]["expiration"] == {"days": 730}
    assert "expiration" not in rules["dev-ai-data-public"]  # no retention_days: kept until deleted
    assert buckets["dev-ai-data-public"].inputs["tags"]["regzone:retention-days"] == "none"
    assert all(r["noncurrentVersionExpiration"]["noncurrentDays"] == NONCURRENT_GRACE_DAYS for r in rules.values())


def test_trail_settings(dev):
    """The zone trail records the zone's data events in its Region; the account baseline's trail
    records the management events (test_baseline_program.py)."""
    trail = one(dev, "aws:cloudtrail/trail:Trail", "dev-ai-trail")
    inputs = trail.inputs
    assert inputs["isMultiRegionTrail"] is False and inputs["includeGlobalServiceEvents"] is False
    assert inputs["enableLogFileValidation"] is True and inputs["enableLogging"] is True
    assert inputs["kmsKeyId"] == key_arn(dev, "audit")
    assert inputs["s3BucketName"] == AUDIT
    assert trail.property_dependencies["s3BucketName"] == [one(dev, "aws:s3/bucket:Bucket", AUDIT).urn]
    (selector,) = inputs["eventSelectors"]
    assert selector["includeManagementEvents"] is False and selector["readWriteType"] == "All"
    assert selector["dataResources"] == [{"type": "AWS::S3::Object", "values": [
        "arn:aws:s3:::dev-ai-data-personal-data/", "arn:aws:s3:::dev-ai-data-public/"]}]
    assert inputs["cloudWatchLogsGroupArn"].endswith(":*")
    assert trail.protect and trail.retain_on_delete
    policy = one(dev, "aws:s3/bucketPolicy:BucketPolicy", f"{AUDIT}-policy")
    assert policy.urn in trail.dependencies


def test_trail_log_group_is_encrypted_retained_and_protected(dev):
    group = one(dev, "aws:cloudwatch/logGroup:LogGroup", "dev-ai-trail-logs")
    assert group.inputs["kmsKeyId"] == key_arn(dev, "audit")
    assert group.inputs["retentionInDays"] == 365 and group.inputs["tags"] == {"log-tier": "audit"}
    assert group.protect and group.retain_on_delete
    role = one(dev, "aws:iam/role:Role", "dev-ai-trail-logs-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Condition"]["StringEquals"]["aws:SourceArn"] == \
        "arn:aws:cloudtrail:eu-west-1:111122223333:trail/dev-ai-audit"


def two_zone_config(dev_config) -> dict:
    """The dev zone plus a second zone holding personal data in its own VPC."""
    import copy
    second = copy.deepcopy(dev_config["regzone:zones"][0])
    second.update(name="dev-two", vpc_cidr="10.41.0.0/16",
                  workloads=[{"name": "two-eval", "kind": "batch_evaluation", "data_classes": ["personal_data"]}])
    for key in ("cluster", "registry"):
        second.pop(key)
    dev_config["regzone:zones"].append(second)
    dev_config["regzone:data_class_policy"]["personal_data"]["allowed_zones"].append("dev-two")
    return dev_config


def record_trails(tmp_path, config):
    write_stack(tmp_path, "trails", config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    return by_name(record_program(tmp_path, "trails", config), "aws:cloudtrail/trail:Trail")


def management_recorded(inputs) -> bool:
    return any(s.get("includeManagementEvents") for s in inputs["eventSelectors"])


def test_no_zone_trail_records_management_events_whatever_the_number_of_zones(tmp_path, dev_config):
    """The account baseline's trail records them once per account: every zone trail records its own
    data events only, in its own Region."""
    trails = record_trails(tmp_path, two_zone_config(dev_config))
    assert set(trails) == {"dev-ai-trail", "dev-two-trail"}
    for trail in trails.values():
        assert not management_recorded(trail.inputs) and trail.inputs["isMultiRegionTrail"] is False
        assert trail.inputs["includeGlobalServiceEvents"] is False
    (selector,) = trails["dev-two-trail"].inputs["eventSelectors"]
    assert selector["dataResources"] == [{"type": "AWS::S3::Object",
                                          "values": ["arn:aws:s3:::dev-two-data-personal-data/"]}]
    data = trails["dev-two-trail"].inputs
    assert data["enableLogFileValidation"] is True and data["kmsKeyId"].endswith("dev-two-keys-audit")
