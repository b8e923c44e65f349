"""CloudTrail policies over the analyzer protocol: the zone trail passes; each weakened setting
fires; a trail is only compliant when it delivers to a COMPLIANCE-locked bucket of the stack."""
import pytest

from analyzer_helpers import resource, stack_violations, violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

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


DATA_ONLY = {"isMultiRegionTrail": False, "includeGlobalServiceEvents": False, "eventSelectors": [
    {"readWriteType": "All", "includeManagementEvents": False,
     "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::dev-two-data/"]}]}]}
ACCOUNT_TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"


@pytest.fixture(scope="module")
def named_management_trail():
    """The pack as `regzone pack-config` configures it for a stack whose management events are
    recorded by an account trail (or by the stack's own management trail)."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"management_trail_arn": ACCOUNT_TRAIL} for p in policies})
        yield client


def test_data_event_trail_passes_only_when_a_management_trail_is_named(pack, named_management_trail):
    """A zone trail that records only its data events, in one region, satisfies RAZ-LOG-001 only when
    the account's management events are recorded by the named trail."""
    data_only = trail(name="dev-two-audit", **DATA_ONLY)
    assert violations(named_management_trail, "cloudtrail-multi-region", data_only) == []
    found = violations(pack, "cloudtrail-multi-region", data_only)
    assert len(found) == 1 and "the settings name no management trail (management_trail_arn)" in found[0].message


def test_the_named_management_trail_must_record_management_events(named_management_trail):
    found = violations(named_management_trail, "cloudtrail-multi-region", trail(name="org-trail", **DATA_ONLY))
    assert found and "it is the named management trail" in found[0].message
    # A trail that records management events is judged as before, named trail or not.
    found = violations(named_management_trail, "cloudtrail-multi-region", trail(isMultiRegionTrail=False))
    assert found and "one region only" in found[0].message


@pytest.mark.parametrize("selectors, records", [
    ({}, True),
    ({"eventSelectors": [{"includeManagementEvents": True}]}, True),
    ({"eventSelectors": [{"readWriteType": "All"}]}, True),
    ({"eventSelectors": [{"includeManagementEvents": False}]}, False),
    ({"advancedEventSelectors": [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}]}, True),
    ({"advancedEventSelectors": [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}]}]}, False),
])
def test_single_region_trail_that_records_management_events_fires(named_management_trail, selectors, records):
    """Management events hidden in another selector form still count: such a trail must be multi-region."""
    found = violations(named_management_trail, "cloudtrail-multi-region",
                       trail(isMultiRegionTrail=False, includeGlobalServiceEvents=False, **selectors))
    assert bool(found) == records


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


STORE = "aws:cloudtrail/eventDataStore:EventDataStore"


def test_event_data_store_recording_management_events_in_one_region_fires(pack):
    found = violations(pack, "cloudtrail-multi-region", resource(STORE, {"multiRegionEnabled": "false"}))
    assert len(found) == 1 and "event data store" in found[0].message
    assert violations(pack, "cloudtrail-multi-region", resource(STORE, {})) == []  # multi-region by default
    data_only = [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]},
                                     {"field": "resources.type", "equals": ["AWS::S3::Object"]}]}]
    assert violations(pack, "cloudtrail-multi-region", resource(
        STORE, {"multiRegionEnabled": False, "advancedEventSelectors": data_only})) == []


def test_event_data_store_must_use_the_audit_key(pack):
    found = violations(pack, "cloudtrail-kms-encryption", resource(STORE, {}))
    assert len(found) == 1 and "event data store" in found[0].message
    assert violations(pack, "cloudtrail-kms-encryption", resource(STORE, {"kmsKeyId": KEY_ARN})) == []


@pytest.mark.parametrize("value", ["false", "0", "F"])
def test_string_false_excludes_management_events(pack, value):
    """"false" is false to the provider: such a trail records no management events, so with no management
    trail named it fires for that, not for being single-region."""
    found = violations(pack, "cloudtrail-multi-region",
                       trail(eventSelectors=[{"includeManagementEvents": value, "readWriteType": "All"}]))
    assert found and "records no management events" in found[0].message


@pytest.mark.parametrize("flag, value", [("enableLogFileValidation", "true"), ("isMultiRegionTrail", "1")])
def test_string_booleans_the_provider_reads_as_true_pass(pack, flag, value):
    policy = "cloudtrail-log-file-validation" if flag == "enableLogFileValidation" else "cloudtrail-multi-region"
    assert violations(pack, policy, trail(**{flag: value})) == []
