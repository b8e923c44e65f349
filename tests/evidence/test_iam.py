"""IAM evidence beyond one break per check: the shared least-privilege table through live documents
(attached managed policies, user and group policies included), service-linked roles, the root's
credentials, and what cannot be read is an ERROR."""
from __future__ import annotations

import json

import pytest

from regzone.evidence.model import Status
from tests.evidence.conftest import inject, run
from tests.policy_documents.least_privilege_cases import IDENTITY, TRUST

WIDE, PASS_ROLE = "iam_identity_policy_no_service_wide_grant", "iam_identity_policy_pass_role_named"
TRUST_CHECK, CREDENTIALS = "iam_role_trust_named_principals", "iam_user_no_long_term_credentials"
ACCOUNT = "123456789012"


def _statuses(findings, fragment):
    return [(f.status, f.message) for f in findings if fragment in f.resource]


def _managed(session, zone, document) -> None:
    """`document` as a customer-managed policy attached to the zone's role."""
    iam = session.client("iam")
    arn = iam.create_policy(PolicyName="under-test", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=zone["role"], PolicyArn=arn)


@pytest.mark.parametrize("check", [WIDE])
@pytest.mark.parametrize("case", [c for c in IDENTITY if c.wide is not None], ids=lambda c: c.name)
def test_attached_managed_policies_follow_the_shared_table(session, zone, check, case):
    _managed(session, zone, case.document)
    [(status, message)] = _statuses(run(session, check), "role/good-flow-logs")
    assert status is (Status.FAIL if case.wide else Status.PASS), message


# moto refuses an IAM resource ARN without a resource type (`arn:aws:iam::111122223333:*`).
@pytest.mark.parametrize("check", [PASS_ROLE])
@pytest.mark.parametrize("case", [c for c in IDENTITY if c.pass_role is not None
                                  and c.name != "PassRole on every IAM resource of the account"], ids=lambda c: c.name)
def test_pass_role_follows_the_shared_table(session, zone, check, case):
    session.client("iam").put_user_policy(UserName=zone["user"], PolicyName="p", PolicyDocument=json.dumps(case.document))
    [(status, message)] = _statuses(run(session, check), "user/good-auditor")
    assert status is (Status.FAIL if case.pass_role else Status.PASS), message


@pytest.mark.parametrize("check", [TRUST_CHECK])
@pytest.mark.parametrize("case", [c for c in TRUST if not any("Federated" in s.get("Principal", {})
                                                              for s in c.document["Statement"])], ids=lambda c: c.name)
def test_trust_follows_the_shared_table(session, zone, check, case):
    document = json.loads(json.dumps(case.document).replace("111122223333", ACCOUNT))
    session.client("iam").update_assume_role_policy(RoleName=zone["role"], PolicyDocument=json.dumps(document))
    [(status, message)] = _statuses(run(session, check), "role/good-flow-logs")
    assert status is (Status.FAIL if case.trust else Status.PASS), message


@pytest.mark.parametrize("check", [WIDE, TRUST_CHECK])
def test_service_linked_roles_are_aws_s_and_not_judged(session, zone, check):
    session.client("iam").create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    findings = run(session, check, zone=None)
    assert findings and not [f for f in findings if "aws-service-role" in f.resource]


@pytest.mark.parametrize("check", [WIDE])
def test_an_attached_policy_that_was_not_returned_is_an_error(session, zone, check):
    _managed(session, zone, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    inject(session, "iam.GetAccountAuthorizationDetails", "access_denied")
    findings = run(session, check)
    assert findings and {f.status for f in findings} == {Status.ERROR}
    assert all("iam:GetAccountAuthorizationDetails" in f.message for f in findings)


@pytest.mark.parametrize("check", [CREDENTIALS])
@pytest.mark.parametrize("give, held", [
    (lambda iam, user: iam.create_login_profile(UserName=user, Password="Correct-Horse-9!"), "console password"),
    (lambda iam, user: iam.update_access_key(UserName=user, Status="Inactive", AccessKeyId=iam.create_access_key(
        UserName=user)["AccessKey"]["AccessKeyId"]), "inactive access key"),
    (lambda iam, user: iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=(
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDVXR9w4jbI0+yYk8R0sGZQ4pRu2Fz4Y1v3uXcN2kZ0rrKQ+qJY2mRZxXy8E9 t@e")),
     "SSH public key"),
])
def test_every_long_term_credential_fails(session, zone, check, give, held):
    give(session.client("iam"), zone["user"])
    [(status, message)] = _statuses(run(session, check), "user/good-auditor")
    assert status is Status.FAIL and held in message


@pytest.mark.parametrize("check", [CREDENTIALS])
def test_the_root_is_judged_for_the_whole_account_only(session, zone, check):
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert [f.status for f in run(session, check, zone=None) if f.resource == root] == [Status.PASS]
    assert [f for f in run(session, check) if f.resource == root] == []
    inject(session, "iam.GetAccountSummary", "access_denied")
    [error] = [f for f in run(session, check, zone=None) if f.resource == root]
    assert error.status is Status.ERROR and "iam:GetAccountSummary" in error.message
