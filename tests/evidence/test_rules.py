"""Shared judgements of the evidence checks: Object Lock retention, bucket names, launch template versions."""

import pytest

from regzone.evidence.rules import bucket_name, object_lock_problem

ACCOUNT = "111122223333"


@pytest.mark.parametrize("config, problem", [
    (None, "not enabled"),
    ({"ObjectLockEnabled": "Enabled"}, "no default retention"),
    ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 10}}}, "GOVERNANCE"),
    ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2554}}}, "2554 days"),
    ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}}}, None),
])
def test_object_lock_problem_for_seven_years(config, problem):
    found = object_lock_problem(config, 2555)
    assert found is None if problem is None else problem in found


def test_bucket_name_from_flow_log_destination():
    assert bucket_name("arn:aws:s3:::audit-bucket/flow/AWSLogs") == "audit-bucket"
    assert bucket_name("audit-bucket") == "audit-bucket"


def test_launch_template_without_versions_is_unknown_not_compliant():
    from regzone.evidence.model import ApiError, Resource
    from regzone.evidence.rules import template_versions
    with pytest.raises(ApiError, match="no latest or default version"):
        template_versions(Resource("lt", "us-east-1", {"versions": []}))


@pytest.mark.parametrize("key_ref, other", [("arn:aws:kms:us-east-1:444455556666:key/k", True),
                                            (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", False), ("k-id", False)])
def test_only_a_foreign_key_arn_may_be_missing_from_the_inventory(key_ref, other):
    import importlib
    check = importlib.import_module("regzone.evidence.checks.s3_bucket_kms_cmk_encryption.check")
    assert check._other_account(key_ref, ACCOUNT) is other
