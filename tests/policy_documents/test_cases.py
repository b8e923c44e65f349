"""The core module reaches every verdict of the shared table (cases.py)."""
import pytest

from regzone_core.policy import RequestSet, denies_all, grants
from regzone_core.policy.kms import key_roles
from regzone.key_caller_permissions import deployer_caller_use
from tests.policy_documents.cases import ACCOUNT, BUCKET, DEPLOYER, DEPLOYER_USE, GRANTS, SEPARATION, TLS

TLS_REQUESTS = RequestSet(actions=("s3:*",), resources=(BUCKET, f"{BUCKET}/*"), context={"aws:SecureTransport": "false"})


def _aws_grants(document):
    return [g for g in grants(document, resource_account=ACCOUNT) if g.principal.kind == "AWS"]


@pytest.mark.parametrize("case", GRANTS, ids=lambda c: c.name)
def test_who_an_allow_admits(case):
    found = _aws_grants(case.document)
    assert any(g.open for g in found) is case.open
    if case.network_bound is not None:
        assert any(g.open and g.network_bound for g in found) is case.network_bound
    if case.foreign is not None:
        assert tuple(sorted({a for g in found for a in g.foreign_accounts(ACCOUNT)})) == case.foreign


@pytest.mark.parametrize("case", TLS, ids=lambda c: c.name)
def test_tls_only_deny(case):
    assert denies_all(case.document, TLS_REQUESTS) is case.tls_only


@pytest.mark.parametrize("case", SEPARATION, ids=lambda c: c.name)
def test_key_administration_and_use(case):
    roles = key_roles(case.document)
    assert tuple(roles.both) == case.key_both
    assert tuple(s.sid for s in roles.mixed_statements) == case.key_mixed


@pytest.mark.parametrize("case", DEPLOYER_USE, ids=lambda c: c.name)
def test_deployer_caller_use(case):
    assert tuple(key_roles(case.document).both) == case.key_both
    assert tuple(key_roles(case.document, caller_use=deployer_caller_use(DEPLOYER, None)).both) == case.deployer_both
