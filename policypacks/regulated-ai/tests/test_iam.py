"""IAM least-privilege policies over the analyzer protocol: the shared verdict table
(tests/policy_documents/least_privilege_cases.py) on every type that carries the document, in
both forms a program can send it (JSON text, a structured document), and what cannot be judged."""
import json

import pytest

from analyzer_helpers import resource, violations
from regulated_ai.types import IAM_USER_CREDENTIALS, IDENTITY_POLICY_DOCUMENTS
from tests.policy_documents.least_privilege_cases import IDENTITY, TRUST

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WIDE, PASS_ROLE = "iam-policy-no-service-wide-grant", "iam-policy-pass-role-named"
TRUST_POLICY = "iam-role-trust-named-principals"
NAMED_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                       "Action": "sts:AssumeRole"}]}


def identity(type_token, document, *, text=True):
    """A resource of `type_token` holding `document` where that type keeps identity documents."""
    value = json.dumps(document) if text else document
    (path,) = IDENTITY_POLICY_DOCUMENTS[type_token]
    if path == "inlinePolicies[].policy":
        props = {"assumeRolePolicy": json.dumps(NAMED_TRUST), "inlinePolicies": [{"name": "p", "policy": value}]}
    else:
        props = {path: value, "role": "r", "user": "u", "group": "g"}
    return resource(type_token, props, name="under-test")


@pytest.mark.parametrize("case", [c for c in IDENTITY if c.wide is not None], ids=lambda c: c.name)
def test_service_wide_grants_fire(pack, case):
    found = violations(pack, WIDE, identity(ROLE_POLICY, case.document))
    assert bool(found) is case.wide, [d.message for d in found]
    assert all("RAZ-IAM-001" in d.message and d.enforcement == "mandatory" for d in found)


@pytest.mark.parametrize("case", [c for c in IDENTITY if c.pass_role is not None], ids=lambda c: c.name)
def test_unbounded_pass_role_fires(pack, case):
    found = violations(pack, PASS_ROLE, identity(ROLE_POLICY, case.document))
    assert bool(found) is case.pass_role, [d.message for d in found]


@pytest.mark.parametrize("type_token", sorted(IDENTITY_POLICY_DOCUMENTS))
@pytest.mark.parametrize("text", [True, False], ids=["json", "structured"])
def test_every_identity_document_type_is_judged(pack, type_token, text):
    admin = {"Version": "2012-10-17", "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
    found = violations(pack, WIDE, identity(type_token, admin, text=text))
    assert len(found) == 1 and "statement Admin allows * on *" in found[0].message
    scoped = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                      "Resource": "arn:aws:s3:::b/*"}]}
    assert violations(pack, WIDE, identity(type_token, scoped, text=text)) == []


@pytest.mark.parametrize("case", TRUST, ids=lambda c: c.name)
def test_trust_admits_only_named_principals(pack, case):
    found = violations(pack, TRUST_POLICY, resource(ROLE, {"assumeRolePolicy": json.dumps(case.document)}))
    assert bool(found) is case.trust, [d.message for d in found]


def test_unknown_documents_are_reported_not_passed(pack):
    found = violations(pack, WIDE, resource(ROLE_POLICY, {"role": "r", "policy": UNKNOWN}))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message
    found = violations(pack, WIDE, resource(ROLE, {"assumeRolePolicy": json.dumps(NAMED_TRUST),
                                                   "inlinePolicies": [{"name": "p", "policy": UNKNOWN}]}))
    assert len(found) == 1 and "inlinePolicies[0].policy" in found[0].message
    found = violations(pack, TRUST_POLICY, resource(ROLE, {"assumeRolePolicy": UNKNOWN}))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


def test_a_document_aws_would_refuse_is_a_violation(pack):
    found = violations(pack, WIDE, resource(ROLE_POLICY, {"role": "r", "policy": '{"Statement": ['}))
    assert len(found) == 1 and "not a policy AWS accepts" in found[0].message
    found = violations(pack, TRUST_POLICY, resource(ROLE, {"assumeRolePolicy": json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "sts:AssumeRole"}]})}))
    assert len(found) == 1 and "wildcard may stand only for the whole principal" in found[0].message


@pytest.mark.parametrize("type_token", IAM_USER_CREDENTIALS)
def test_every_user_credential_is_blocked(pack, type_token):
    found = violations(pack, "iam-no-user-long-term-credentials", resource(type_token, {"user": "deployer"}))
    assert len(found) == 1 and "RAZ-IAM-003" in found[0].message and "'deployer'" in found[0].message


def test_a_user_without_credentials_is_not_blocked(pack):
    assert violations(pack, "iam-no-user-long-term-credentials", resource("aws:iam/user:User", {"name": "u"})) == []
