"""Evidence checks judge policy documents by what they permit: compliant shapes the old shape
checks rejected pass, permissive ones they accepted fail, and one that cannot be evaluated is an ERROR."""
from __future__ import annotations

import json

import pytest

from regzone.evidence.model import Status
from tests.evidence.conftest import run

ACCOUNT = "123456789012"


def _statuses(findings, fragment):
    return [(f.status, f.message) for f in findings if fragment in f.resource]


def _key_policy(session, zone, *grant):
    session.client("kms").put_key_policy(KeyId=zone["key"], PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "kms:*", "Resource": "*"}, *grant]}))


@pytest.mark.parametrize("check", ["kms_key_policy_no_public_principal"])
@pytest.mark.parametrize("condition, status", [
    ({"StringLike": {"aws:PrincipalOrgID": "*"}}, Status.FAIL),
    ({"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}}, Status.FAIL),
    ({"StringEquals": {"kms:CallerAccount": ACCOUNT}}, Status.PASS),
    ({"StringEquals": {"aws:PrincipalAccount": "444455556666"}}, Status.FAIL),
])
def test_key_policy_conditions_count_by_value(session, zone, check, condition, status):
    _key_policy(session, zone, {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": ["*"]},
                                "Action": "kms:Decrypt", "Resource": "*", "Condition": condition})
    [(found, message)] = _statuses(run(session, check), ":key/")
    assert found is status, message


@pytest.mark.parametrize("check", ["kms_key_policy_no_public_principal"])
def test_key_policy_that_cannot_be_evaluated_is_an_error(session, zone, check):
    _key_policy(session, zone, {"Sid": "Odd", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt",
                                "Resource": "*", "Condition": {"StringEqualz": {"kms:CallerAccount": ACCOUNT}}})
    [(found, message)] = _statuses(run(session, check), ":key/")
    assert found is Status.ERROR and "cannot evaluate its policy" in message and "StringEqualz" in message


@pytest.mark.parametrize("check", ["ecr_repository_policy_no_public_principal"])
def test_repository_policy_source_account_wildcard_fails(session, zone, check):
    session.client("ecr").set_repository_policy(repositoryName=zone["repository"], policyText=json.dumps({
        "Version": "2012-10-17", "Statement": {"Sid": "Pull", "Effect": "Allow", "Principal": "*",
                                               "Action": "ecr:BatchGetImage",
                                               "Condition": {"StringLike": {"aws:SourceAccount": "*"}}}}))
    [(found, message)] = _statuses(run(session, check), "repository/good/model")
    assert found is Status.FAIL and "Pull allows principal *" in message


def _bucket_policy(session, zone, *statements):
    session.client("s3").put_bucket_policy(Bucket=zone["data_bucket"], Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def _tls_deny(resource, principal="*", **condition):
    return {"Effect": "Deny", "Principal": principal, "Action": "s3:*", "Resource": resource,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}, **condition}}


@pytest.mark.parametrize("check", ["s3_bucket_tls_only_policy"])
def test_tls_deny_split_over_two_statements_passes(session, zone, check):
    arn = f"arn:aws:s3:::{zone['data_bucket']}"
    _bucket_policy(session, zone, _tls_deny(arn, {"AWS": ["*"]}), _tls_deny(f"{arn}/*", {"AWS": ["*"]}))
    [(found, message)] = _statuses(run(session, check), "good-data")
    assert found is Status.PASS, message


@pytest.mark.parametrize("check", ["s3_bucket_tls_only_policy"])
def test_tls_deny_narrowed_by_an_extra_condition_fails(session, zone, check):
    arn = f"arn:aws:s3:::{zone['data_bucket']}"
    _bucket_policy(session, zone, _tls_deny([arn, f"{arn}/*"], StringEquals={"aws:PrincipalAccount": "444455556666"}))
    [(found, _)] = _statuses(run(session, check), "good-data")
    assert found is Status.FAIL
