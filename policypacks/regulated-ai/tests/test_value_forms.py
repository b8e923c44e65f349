"""Value forms a policy document can take, through the analyzer: every policy that judges a document
reads it through regzone_core.policy, so each form means what AWS says it means (AWS IAM User Guide,
"IAM JSON policy element reference"). The old shape checks missed several of these."""
import json

import pytest

from analyzer_helpers import resource, violations

ACCOUNT = "111122223333"
JUDGES = {
    "kms-key-policy-separation": ("aws:kms/key:Key", {"enableKeyRotation": True}),
    "ecr-policy-no-public-or-foreign-principal": ("aws:ecr/repositoryPolicy:RepositoryPolicy", {"repository": "r"}),
    "s3-bucket-policy-no-public-principal": ("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b"}),
}


def _judged(pack, policy, document):
    type_token, props = JUDGES[policy]
    return [d.message for d in violations(pack, policy, resource(type_token, {**props, "policy": json.dumps(document)}))]


def _allow(principal, condition=None):
    statement = {"Sid": "Form", "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}
    return {**statement, "Condition": condition} if condition else statement


OPEN_FORMS = {
    "principal *": {"Version": "2012-10-17", "Statement": [_allow("*")]},
    'principal {"AWS": "*"}': {"Version": "2012-10-17", "Statement": [_allow({"AWS": "*"})]},
    "* in a list": {"Version": "2012-10-17", "Statement": [_allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/a", "*"]})]},
    "single statement object": {"Version": "2012-10-17", "Statement": _allow("*")},
    "StringLike aws:PrincipalOrgID *": {"Version": "2012-10-17", "Statement": [
        _allow("*", {"StringLike": {"aws:PrincipalOrgID": "*"}})]},
    "StringLike aws:SourceAccount * (was taken as pinned)": {"Version": "2012-10-17", "Statement": [
        _allow("*", {"StringLike": {"aws:SourceAccount": "*"}})]},
    "StringEqualsIfExists aws:PrincipalAccount": {"Version": "2012-10-17", "Statement": [
        _allow("*", {"StringEqualsIfExists": {"aws:PrincipalAccount": ACCOUNT}})]},
}


@pytest.mark.parametrize("policy", JUDGES)
@pytest.mark.parametrize("form", OPEN_FORMS)
def test_open_forms_fire(pack, policy, form):
    messages = _judged(pack, policy, OPEN_FORMS[form])
    assert any("Form allows principal" in m for m in messages), messages


@pytest.mark.parametrize("policy", JUDGES)
def test_pinned_star_in_a_single_statement_passes(pack, policy):
    document = {"Version": "2012-10-17",
                "Statement": _allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})}
    assert not any("allows principal" in m for m in _judged(pack, policy, document))


def test_tls_deny_as_a_single_statement_with_a_json_boolean_passes(pack):
    document = {"Statement": {"Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": "s3:*",
                              "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                              "Condition": {"Bool": {"aws:securetransport": False}}}}
    found = violations(pack, "s3-bucket-policy-tls-only",
                       resource("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": json.dumps(document)}))
    assert found == []
