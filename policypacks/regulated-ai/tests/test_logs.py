"""Log group policies over the analyzer protocol: KMS and an explicit retention, or a violation."""
import pytest

from analyzer_helpers import resource, violations

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
BASELINE = {"name": "/regzone/dev-ai/cloudtrail", "kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k",
            "retentionInDays": 2557, "tags": {"log-tier": "audit"}}


def group(**changes):
    return resource(LOG_GROUP, {k: v for k, v in {**BASELINE, **changes}.items() if v is not None},
                    name="trail-logs", protect=True)


@pytest.mark.parametrize("policy", ["log-group-kms-encryption", "log-group-retention"])
def test_zone_log_group_passes(pack, policy):
    assert violations(pack, policy, group()) == []


def test_log_group_without_kms_fires(pack):
    found = violations(pack, "log-group-kms-encryption", group(kmsKeyId=None))
    assert len(found) == 1 and "RAZ-LOG-004" in found[0].message


@pytest.mark.parametrize("days", [None, 0])
def test_log_group_without_retention_fires(pack, days):
    found = violations(pack, "log-group-retention", group(retentionInDays=days))
    assert len(found) == 1 and "kept forever" in found[0].message


def test_unknown_key_is_reported_not_passed(pack):
    found = violations(pack, "log-group-kms-encryption", group(kmsKeyId=UNKNOWN))
    assert found and "cannot be verified at preview" in found[0].message


def test_delivery_class_keeps_events_one_day_whatever_the_retention(pack):
    found = violations(pack, "log-group-retention", group(logGroupClass="DELIVERY"))
    assert len(found) == 1 and "DELIVERY class" in found[0].message
    assert violations(pack, "log-group-retention", group(logGroupClass="INFREQUENT_ACCESS")) == []


@pytest.mark.parametrize("days, fires", [("2557", False), ("0", True), (0.0, True)])
def test_retention_read_as_the_provider_reads_numbers(pack, days, fires):
    assert bool(violations(pack, "log-group-retention", group(retentionInDays=days))) is fires


def test_log_anomaly_detector_must_use_the_zone_key(pack):
    detector = "aws:cloudwatch/logAnomalyDetector:LogAnomalyDetector"
    arns = ["arn:aws:logs:eu-west-1:111122223333:log-group:/regzone/dev-ai/cloudtrail"]
    found = violations(pack, "log-group-kms-encryption", resource(detector, {"logGroupArnLists": arns}))
    assert len(found) == 1 and "log anomaly detector" in found[0].message
    assert violations(pack, "log-group-kms-encryption", resource(
        detector, {"logGroupArnLists": arns, "kmsKeyId": BASELINE["kmsKeyId"]})) == []
