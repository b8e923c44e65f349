"""Pure parts of the audit and data components: names, lifecycle rules, bucket policies, log
retention. The program tests (test_audit_program.py) check what the components register."""
import json

import pytest

from components.audit_bucket import (COLD_STORAGE_CLASS, NONCURRENT_GRACE_DAYS, access_log_bucket_policy,
                                     audit_bucket_policy, lifecycle_rules)
from components.audit_trail import trail_arn
from components.data_buckets import bucket_resource_name
from components.log_groups import cloudwatch_retention

KEY = "arn:aws:kms:eu-west-1:111122223333:key/k"
BUCKET = "arn:aws:s3:::dev-ai-audit-1a2b"


def test_data_bucket_names_are_dns_safe():
    assert bucket_resource_name("dev-ai-data", "personal_data") == "dev-ai-data-personal-data"


def test_trail_arn_matches_what_cloudtrail_assigns():
    assert trail_arn(partition="aws-us-gov", region="us-gov-west-1", account_id="111122223333",
                     trail_name="z-audit") == "arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/z-audit"


def test_lifecycle_never_transitions_after_expiry():
    (rule,) = lifecycle_rules(expire_after_days=60, transition_days=90)
    assert rule.transitions is None and rule.expiration.days == 60
    (rule,) = lifecycle_rules(expire_after_days=2555, transition_days=90)
    assert [(t.days, t.storage_class) for t in rule.transitions] == [(90, COLD_STORAGE_CLASS)]
    assert rule.noncurrent_version_expiration.noncurrent_days == NONCURRENT_GRACE_DAYS


def test_lifecycle_without_retention_keeps_current_objects():
    (rule,) = lifecycle_rules(expire_after_days=None)
    assert rule.expiration is None and rule.noncurrent_version_expiration.noncurrent_days == NONCURRENT_GRACE_DAYS


@pytest.mark.parametrize("document", [
    audit_bucket_policy(bucket_arn=BUCKET, kms_key_arn=KEY, account_id="111122223333", partition="aws"),
    access_log_bucket_policy(bucket_arn=BUCKET, kms_key_arn=KEY, account_id="111122223333"),
])
def test_upload_denies_only_fire_on_headers_that_are_present(document):
    """A negated operator is true for an absent key: without the Null test, log delivery (which sends
    no encryption headers and relies on the bucket default) would be denied."""
    denies = {s["Sid"]: s["Condition"] for s in json.loads(document)["Statement"] if s["Effect"] == "Deny"}
    assert denies["DenyNonKmsUploads"] == {"Null": {"s3:x-amz-server-side-encryption": "false"},
                                           "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    assert denies["DenyUploadsWithAnotherKey"]["Null"] == {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"}
    assert denies["DenyKmsUploadsWithoutZoneKey"] == {
        "StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"}}


def test_access_log_bucket_admits_only_s3_logging_of_this_account():
    allows = [s for s in json.loads(access_log_bucket_policy(bucket_arn=BUCKET, kms_key_arn=KEY,
                                                             account_id="111122223333"))["Statement"]
              if s["Effect"] == "Allow"]
    assert [(s["Principal"], s["Condition"]) for s in allows] == [
        ({"Service": "logging.s3.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "111122223333"}})]


@pytest.mark.parametrize("days, expected", [(1, 1), (365, 365), (366, 400), (2555, 2557), (3653, 3653)])
def test_cloudwatch_retention_rounds_up_to_an_accepted_value(days, expected):
    assert cloudwatch_retention(days) == expected


@pytest.mark.parametrize("days", [0, -1, 3654])
def test_cloudwatch_retention_rejects_what_cloudwatch_cannot_keep(days):
    with pytest.raises(ValueError, match="retention"):
        cloudwatch_retention(days)
