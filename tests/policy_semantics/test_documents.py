"""Reading documents: every shape AWS accepts reads the same, and malformed ones fail with the element named."""
import json

import pytest

from regzone_core.policy import PolicyError, parse_policy
from regzone_core.policy.document import Principal

ALLOW = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
def test_every_spelling_of_everyone_is_everyone(principal):
    statement = parse_policy({"Statement": [{**ALLOW, "Principal": principal}]}).statements[0]
    assert any(p.is_everyone for p in statement.principals)


def test_single_statement_object_json_text_and_list_read_the_same():
    as_list = parse_policy({"Version": "2012-10-17", "Statement": [ALLOW]})
    assert parse_policy({"Version": "2012-10-17", "Statement": ALLOW}) == as_list
    assert parse_policy(json.dumps({"Version": "2012-10-17", "Statement": ALLOW})) == as_list


def test_condition_keys_are_lower_cased_and_values_are_strings():
    statement = parse_policy({"Statement": {**ALLOW, "Condition": {
        "Bool": {"aws:SecureTransport": False}, "NumericLessThan": {"S3:TlsVersion": 1.2}}}}).statements[0]
    assert [(c.key, c.values) for c in statement.conditions] == [("aws:securetransport", ("false",)),
                                                                ("s3:tlsversion", ("1.2",))]


def test_operator_qualifier_and_if_exists_are_split():
    condition = parse_policy({"Statement": {**ALLOW, "Condition": {
        "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}}}}).statements[0].conditions[0]
    assert (condition.qualifier, condition.base, condition.if_exists, condition.values) == \
        ("ForAnyValue", "StringLike", True, ("a*", "b"))


def test_not_elements_and_missing_resource_and_principal():
    statement = parse_policy({"Statement": {"Effect": "Deny", "NotPrincipal": {"Service": "logs.amazonaws.com"},
                                            "NotAction": "s3:Get*"}}).statements[0]
    assert statement.not_principal and statement.not_action and statement.resources is None
    assert statement.principals == (Principal("Service", "logs.amazonaws.com"),)
    assert parse_policy({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}).statements[0].principals is None


@pytest.mark.parametrize("document, element", [
    ("{not json", "not valid JSON"),
    ([ALLOW], "JSON object"),
    ({"Version": "2012-10-17"}, "no Statement"),
    ({"Statement": ["x"]}, "must be an object, got str"),
    ({"Statement": {**ALLOW, "Effect": "allow"}}, "Effect must be Allow or Deny"),
    ({"Statement": {**ALLOW, "NotAction": "s3:*"}}, "both Action and NotAction"),
    ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "neither Action nor NotAction"),
    ({"Statement": {**ALLOW, "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"}}}, "wildcard may stand only"),
    ({"Statement": {**ALLOW, "Principal": {"Everyone": "*"}}}, "unknown principal type"),
    ({"Statement": {**ALLOW, "Condition": {"StringEqualz": {"k": "v"}}}}, "unknown condition operator"),
    ({"Statement": {**ALLOW, "Condition": {"NullIfExists": {"k": "true"}}}}, "unknown condition operator"),
    ({"Statement": {**ALLOW, "Condition": {"ForSomeValues:StringLike": {"k": "v"}}}}, "ForAllValues or ForAnyValue"),
    ({"Statement": {**ALLOW, "Condition": {"StringEquals": {"k": {"nested": 1}}}}}, "strings, numbers or booleans"),
    ({"Statement": {**ALLOW, "Actions": "s3:*"}}, "unknown elements"),
    ({"Version": "2020-01-01", "Statement": ALLOW}, "Version must be"),
    ({"Statement": {**ALLOW, "Action": []}}, "non-empty list"),
])
def test_malformed_documents_name_the_element(document, element):
    with pytest.raises(PolicyError, match=element):
        parse_policy(document)
