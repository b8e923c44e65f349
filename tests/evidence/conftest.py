"""Fixtures for evidence tests: a moto account (decorator mode) holding a compliant zone."""
from __future__ import annotations

import io

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.parsers import ResponseParserError

from tests.helpers import offline_aws
from regzone.evidence.checks import load_checks
from regzone.evidence.runner import Progress, ScanOptions, scan
from tests.evidence.zone import ATTESTATION, ENCLAVE_KEY_CHECKS, REGION, RETENTION_DAYS, seed_zone


@pytest.fixture
def session(monkeypatch):
    with offline_aws(monkeypatch, REGION):
        yield fresh_session()


# Loading botocore's service models dominates a short test; every test's session shares one loader.
_LOADER = botocore.loaders.create_loader()


def fresh_session() -> boto3.Session:
    """A new session (its own event handlers, so injected failures never leak) with the shared loader."""
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER)
    session = boto3.Session(botocore_session=core, region_name=REGION)
    _LOADER.search_paths[:] = list(dict.fromkeys(_LOADER.search_paths))   # boto3 appends its path per session
    return session


@pytest.fixture
def zone(session, request) -> dict[str, str]:
    """A compliant zone "good" holding what the test's `check` parameter reads."""
    check = next(c for c in load_checks() if c.name == request.getfixturevalue("check"))
    return seed_zone(session, services=frozenset(check.services), enclave_key=check.name in ENCLAVE_KEY_CHECKS)


STACK_ATTESTATION = {"good": (REGION, ATTESTATION)}


def run(session, check: str | tuple[str, ...], *, zone: str | None = "good", min_retention_days: int = RETENTION_DAYS,
        attestation: dict | None = STACK_ATTESTATION):
    """The findings of one check (max_attempts=1: injected errors are not retried); the stack file
    configures the seeded zone's enclave measurements unless `attestation` says otherwise."""
    options = ScanOptions(regions=(REGION,), zone=zone, min_retention_days=min_retention_days, checks=(check,) if isinstance(check, str) else check,
                          max_attempts=1, attestation=attestation)
    return scan(options, session, Progress(io.StringIO())).findings


class _Http:
    def __init__(self, status: int):
        self.status_code, self.headers, self.content, self.text = status, {}, b"", ""


def _client_error(status: int, code: str):
    def handler(**_):
        return _Http(status), {"Error": {"Code": code, "Message": f"injected {code}"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}
    return handler


def _raise(error: Exception):
    def handler(**_):
        raise error
    return handler


# Every way an API can fail to answer, as botocore surfaces it.
FAILURES = {
    "access_denied": _client_error(403, "AccessDenied"),
    "throttled": _client_error(400, "ThrottlingException"),
    "server_500": _client_error(500, "InternalError"),
    "eks_404": _client_error(404, "NotFoundException"),
    "not_implemented": _raise(NotImplementedError("The action has not been implemented")),
    "parser_error": _raise(ResponseParserError("Unable to parse response (<html>500</html>)")),
}


def inject(session, event: str, failure: str) -> None:
    """Make `service-id.Operation` (e.g. "s3.GetBucketVersioning") fail the given way for clients made later."""
    session.events.register(f"before-call.{event}", FAILURES[failure])
