"""CloudTrail policies over the analyzer protocol: the zone trail passes; each weakened setting
fires; a trail is only compliant when it delivers to a COMPLIANCE-locked bucket of the stack."""
import pytest

from analyzer_helpers import resource, stack_violations, violations

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASELINE = {"name": "dev-ai-audit", "s3BucketName": "dev-ai-audit-1a2b", "kmsKeyId": KEY_ARN,
            "isMultiRegionTrail": True, "includeGlobalServiceEvents": True, "enableLogFileValidation": True,
            "enableLogging": True}
POLICIES = ["cloudtrail-multi-region", "cloudtrail-log-file-validation", "cloudtrail-kms-encryption"]


def trail(**changes):
    return resource(TRAIL, {**BASELINE, **changes}, name="dev-ai-trail", protect=True)


@pytest.mark.parametrize("policy", POLICIES)
def test_zone_trail_passes(pack, policy):
    assert violations(pack, policy, trail()) == []


@pytest.mark.parametrize("policy, change, expected", [
    ("cloudtrail-multi-region", {"isMultiRegionTrail": False}, "one region only"),
    ("cloudtrail-multi-region", {"includeGlobalServiceEvents": False}, "global service events"),
    ("cloudtrail-multi-region", {"enableLogging": False}, "logging off"),
    ("cloudtrail-log-file-validation", {"enableLogFileValidation": False}, "no log file validation"),
    ("cloudtrail-kms-encryption", {"kmsKeyId": ""}, "not KMS-encrypted"),
])
def test_weakened_trail_fires(pack, policy, change, expected):
    found = violations(pack, policy, trail(**change))
    assert len(found) == 1 and expected in found[0].message and found[0].enforcement == "mandatory"


@pytest.mark.parametrize("policy, missing", [("cloudtrail-multi-region", "isMultiRegionTrail"),
                                             ("cloudtrail-log-file-validation", "enableLogFileValidation"),
                                             ("cloudtrail-kms-encryption", "kmsKeyId")])
def test_setting_left_to_default_fires(pack, policy, missing):
    props = {k: v for k, v in BASELINE.items() if k != missing}
    assert violations(pack, policy, resource(TRAIL, props, name="t", protect=True))


def test_unknown_validation_is_reported_not_passed(pack):
    found = violations(pack, "cloudtrail-log-file-validation", trail(enableLogFileValidation=UNKNOWN))
    assert found and "cannot be verified at preview" in found[0].message


def audit_stack(*, locked=True, mode="COMPLIANCE", lock_type=LOCK, tie_trail=True):
    bucket = resource(BUCKET, {"objectLockEnabled": locked}, name="audit", protect=True)
    resources = [bucket]
    if mode is not None:
        resources.append(resource(lock_type, {"bucket": "audit-1a2b", "rule": {"defaultRetention": {
            "mode": mode, "days": 2555}}}, name="audit-lock", protect=True,
            property_dependencies={"bucket": [bucket.urn]}))
    deps = {"s3BucketName": [bucket.urn]} if tie_trail else {}
    resources.append(resource(TRAIL, BASELINE, name="dev-ai-trail", protect=True, property_dependencies=deps))
    return resources


@pytest.mark.parametrize("lock_type", [LOCK, LOCK_V2])
def test_trail_into_compliance_locked_bucket_passes(pack, lock_type):
    assert stack_violations(pack, "cloudtrail-bucket-compliance-locked", audit_stack(lock_type=lock_type)) == []


@pytest.mark.parametrize("kwargs, expected", [
    ({"locked": False, "mode": None}, "has no Object Lock"),
    ({"mode": "GOVERNANCE"}, "no COMPLIANCE-mode default retention"),
    ({"mode": None}, "no COMPLIANCE-mode default retention"),
    ({"tie_trail": False}, "bucket this stack does not create"),
])
def test_trail_into_unlocked_bucket_fires(pack, kwargs, expected):
    found = stack_violations(pack, "cloudtrail-bucket-compliance-locked", audit_stack(**kwargs))
    assert len(found) == 1 and expected in found[0].message and found[0].urn.endswith("::dev-ai-trail")


@pytest.mark.parametrize("mode, fires", [("COMPLIANCE", False), ("GOVERNANCE", True)])
def test_trail_into_bucket_with_deprecated_inline_lock(pack, mode, fires):
    bucket = resource("aws:s3/bucketV2:BucketV2", {"objectLockConfiguration": {
        "objectLockEnabled": "Enabled", "rule": {"defaultRetention": {"mode": mode, "days": 2555}}}},
        name="audit", protect=True)
    trail = resource(TRAIL, BASELINE, name="dev-ai-trail", protect=True,
                     property_dependencies={"s3BucketName": [bucket.urn]})
    assert bool(stack_violations(pack, "cloudtrail-bucket-compliance-locked", [bucket, trail])) is fires
