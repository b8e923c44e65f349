"""Shared judgements, on the policy shapes where shallow checks go wrong."""
import re

import pytest

from regzone.evidence.rules import bucket_name, denies_plain_http, object_lock_problem, open_grants
from tests.policy_documents import cases

ACCOUNT = "111122223333"


def _allow(principal, condition=None, key="Principal"):
    statement = {"Sid": "S", "Effect": "Allow", key: principal, "Action": "kms:Decrypt", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Statement": [statement]}


@pytest.mark.parametrize("policy, cross_account, problem", [
    (_allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), True, None),
    (_allow({"Service": "logs.amazonaws.com"}), True, None),
    (_allow("*"), False, "allows principal *"),
    (_allow({"AWS": "*"}), False, "allows principal *"),
    (_allow("*", {"StringEquals": {"kms:CallerAccount": ACCOUNT}}), True, None),
    (_allow("*", {"StringEquals": {"kms:CallerAccount": [ACCOUNT, "444455556666"]}}), True, "allows principal *"),
    (_allow("*", {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}), True, "allows principal *"),
    (_allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}), True, None),
    (_allow({"AWS": "arn:aws:iam::444455556666:role/x"}), True, "outside account"),
    (_allow({"AWS": "444455556666"}), True, "outside account"),
    (_allow({"AWS": "arn:aws:iam::444455556666:role/x"}), False, None),
    (_allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, key="NotPrincipal"), True, "allows principal *"),
])
def test_open_grants(policy, cross_account, problem):
    problems = open_grants(policy, ACCOUNT, cross_account=cross_account)
    assert (problem is None and problems == []) or (problem and any(problem in p for p in problems)), problems


ARN = "arn:aws:s3:::b"


def _deny(resources=(ARN, f"{ARN}/*"), action="s3:*", condition=None, principal="*"):
    return {"Statement": [{"Effect": "Deny", "Principal": principal, "Action": action, "Resource": list(resources),
                           "Condition": condition or {"Bool": {"aws:SecureTransport": "false"}}}]}


@pytest.mark.parametrize("policy, ok", [
    (_deny(), True),
    (_deny(principal={"AWS": "*"}, condition={"Bool": {"aws:securetransport": False}}), True),
    (_deny(resources=("arn:aws:s3:::b*",)), True),
    (_deny(resources=(ARN,)), False),                                   # objects not covered
    (_deny(action="s3:GetObject"), False),                              # writes still allowed over HTTP
    (_deny(condition={"Bool": {"aws:SecureTransport": "true"}}), False),
    (_deny(condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}), False),
    (_deny(principal={"AWS": "arn:aws:iam::111122223333:root"}), False),
    (None, False),
])
def test_denies_plain_http(policy, ok):
    assert denies_plain_http(policy, ARN) is ok


# The shared verdict table: what the evidence concludes is what the core module (and the pack) conclude.
@pytest.mark.parametrize("case", cases.GRANTS, ids=lambda c: c.name)
def test_open_grants_reach_the_shared_verdicts(case):
    problems = open_grants(case.document, cases.ACCOUNT, cross_account=True)
    assert any("allows principal" in p and "outside" not in p for p in problems) is case.open, problems
    if case.foreign is not None:
        reported = {a for p in problems if "outside account" in p for a in re.findall(r"\d{12}", p)} - {cases.ACCOUNT}
        assert tuple(sorted(reported)) == case.foreign, problems


@pytest.mark.parametrize("case", cases.TLS, ids=lambda c: c.name)
def test_denies_plain_http_reaches_the_shared_verdicts(case):
    assert denies_plain_http(case.document, cases.BUCKET) is case.tls_only


def test_cross_account_grants_are_reported_only_when_asked():
    policy = _allow({"AWS": "arn:aws:iam::444455556666:role/x"})
    assert open_grants(policy, ACCOUNT, cross_account=False) == []
    assert open_grants(policy, ACCOUNT, cross_account=True) == [
        "S allows arn:aws:iam::444455556666:role/x outside account 111122223333"]


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
