"""The verdicts the pack and the evidence both give (regzone_core.policy.verdicts), on the policy
shapes where shallow checks go wrong, and on the shared table (tests/policy_documents/cases.py)."""
import re

import pytest

from regzone_core.policy.verdicts import denies_plain_http, open_grants
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
