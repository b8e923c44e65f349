"""The core module reaches every verdict of the least-privilege table, and tells what it found."""
import pytest

from regzone_core.policy import PolicyError
from regzone_core.policy.privilege import service_wide, unbounded_pass_role
from regzone_core.policy.trust import confused_deputy_services, trust_problems
from tests.policy_documents.least_privilege_cases import ACCOUNT, IDENTITY, TRUST


@pytest.mark.parametrize("case", [c for c in IDENTITY if c.wide is not None], ids=lambda c: c.name)
def test_service_wide_grants(case):
    assert bool(service_wide(case.document)) is case.wide


@pytest.mark.parametrize("case", [c for c in IDENTITY if c.pass_role is not None], ids=lambda c: c.name)
def test_unbounded_pass_role(case):
    assert bool(unbounded_pass_role(case.document)) is case.pass_role


@pytest.mark.parametrize("case", TRUST, ids=lambda c: c.name)
def test_trust_admits_only_named_principals(case):
    assert bool(trust_problems(case.document, account=ACCOUNT)) is case.trust


def test_findings_name_the_statement_and_what_it_grants():
    [wide] = service_wide({"Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})
    assert (wide.statement.label, wide.actions, wide.resources) == ("Admin", "iam:*", "*")
    [trust] = trust_problems({"Statement": [{"Sid": "T", "Effect": "Allow", "Principal": {"AWS": ACCOUNT},
                                             "Action": "sts:AssumeRole"}]}, account=ACCOUNT)
    assert trust.message.startswith(f"T lets AWS principal {ACCOUNT} assume the role: every principal of {ACCOUNT}")


def test_resource_policies_are_not_identity_policies():
    bucket = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*", "Resource": "*"}]}
    assert service_wide(bucket) == [] and unbounded_pass_role(bucket) == []


def test_a_malformed_document_raises_rather_than_passes():
    with pytest.raises(PolicyError):
        service_wide({"Statement": [{"Effect": "Allow", "Resource": "*"}]})


def test_every_confused_deputy_service_cites_an_aws_page():
    services = confused_deputy_services()
    assert services and all(url.startswith("https://docs.aws.amazon.com/") for url in services.values())
