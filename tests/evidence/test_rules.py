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


def _key_context(manager: str | None, aliases: dict | None = None):
    from regzone.evidence.checks import ScanContext
    from regzone.evidence.model import Inventory, Resource
    keys = [Resource(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", "us-east-1", {"metadata": {"KeyManager": manager}})] \
        if manager else []
    inventory = Inventory("kms", "us-east-1", resources={"key": keys}, facts={"aliases": aliases or {}})
    return ScanContext(ACCOUNT, "aws", ("us-east-1",), None, 0, {("kms", "us-east-1"): inventory})


@pytest.mark.parametrize("key_ref, manager, aliases, problem", [
    ("arn:aws:kms:us-east-1:444455556666:key/k", None, None, None),      # another account's: never AWS-managed
    (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", "CUSTOMER", None, None),
    ("k", "CUSTOMER", None, None),
    (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", "AWS", None, "AWS-managed key"),
    ("alias/zone", "AWS", {"alias/zone": "k"}, "AWS-managed key"),
    (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/ecr", None, None, "AWS-managed key alias/aws/ecr"),
    ("alias/aws/ebs", None, None, "AWS-managed key alias/aws/ebs"),
    (None, None, None, "the service's AWS-managed key"),
    ("", None, None, "the service's AWS-managed key"),
    (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/gone", "CUSTOMER", None, "does not exist in us-east-1"),
    ("alias/missing", "CUSTOMER", None, "does not exist in us-east-1"),
])
def test_customer_key_problem(key_ref, manager, aliases, problem):
    from regzone.evidence.rules import customer_key_problem
    found = customer_key_problem(_key_context(manager, aliases), "us-east-1", key_ref, "encryption")
    assert found is None if problem is None else problem in found


def test_a_key_that_cannot_be_resolved_is_unknown_not_compliant():
    from regzone.evidence.model import ApiError
    from regzone.evidence.rules import customer_key_problem
    with pytest.raises(ApiError, match="eu-west-3, which was not scanned"):
        customer_key_problem(_key_context("CUSTOMER"), "us-east-1", f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/k", "x")
    denied = ApiError("kms:DescribeKey", "kms:DescribeKey", "AccessDenied")
    ctx = _key_context("CUSTOMER")
    ctx.collected[("kms", "us-east-1")].resources["key"][0].data["metadata"] = denied
    with pytest.raises(ApiError, match="AccessDenied"):
        customer_key_problem(ctx, "us-east-1", "k", "x")
