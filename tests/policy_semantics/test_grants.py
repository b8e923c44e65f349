"""Who an Allow admits, for service principals and the AWS documentation's confused-deputy examples
(the AWS-principal cases are in the shared table, tests/policy_documents/cases.py)."""
import pytest

from regzone_core.policy import grants

ACCOUNT = "111122223333"


def _service(condition=None, service="cloudtrail.amazonaws.com"):
    statement = {"Sid": "S", "Effect": "Allow", "Principal": {"Service": service}, "Action": "s3:PutObject",
                 "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/AWSLogs/111122223333/*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize("document, open_, accounts", [
    # IAM User Guide, confused-deputy.html: a service principal pinned by aws:SourceArn / aws:SourceAccount.
    (_service({"StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"}}), False, {ACCOUNT}),
    (_service({"ArnLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}}), False, {ACCOUNT}),
    (_service({"StringEquals": {"aws:SourceAccount": ACCOUNT}}), False, {ACCOUNT}),
    (_service(), True, set()),
    (_service({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"}}), True, set()),
    (_service({"StringLike": {"aws:SourceArn": "*:111122223333:*"}}), True, set()),
])
def test_service_principal_grants(document, open_, accounts):
    [grant] = grants(document)
    assert grant.principal.kind == "Service"
    assert (grant.open, set(grant.accounts)) == (open_, accounts)


def test_a_grant_no_caller_can_use_is_not_reported():
    document = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                               "Condition": {"Null": {"aws:PrincipalAccount": "false", "aws:SourceAccount": "false"}}}]}
    assert grants(document) == []


def test_identity_policies_grant_nothing_to_others():
    assert grants({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}) == []
