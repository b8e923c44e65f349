"""Preview and evidence agree on the same document: for every case of the shared table, the pack's
policies (sent through the analyzer protocol, as `pulumi preview` sends them) and the evidence
checks' judgements (on the document as the collector hands it over) reach the expected verdict.

Questions and who answers them (cases.py):
- open: kms-key-policy-separation, ecr-policy-no-public-or-foreign-principal and
  s3-bucket-policy-no-public-principal in the pack; kms_key_policy_no_public_principal and
  ecr_repository_policy_no_public_principal in the evidence;
- foreign: kms-key-policy-separation / kms_key_policy_no_public_principal (both judge other accounts);
- tls_only: s3-bucket-policy-tls-only / s3_bucket_tls_only_policy;
- key_both: kms-key-policy-separation / kms_key_policy_duty_separation; key_mixed: the pack alone
  (the evidence reports principals, not statements);
- deployer_both: kms-key-policy-separation configured with the deployer (the pack's
  deployer_role_arn) and kms_key_policy_duty_separation told it (--deployer-role-arn); an evidence
  run not told the deployer answers key_both.
"""
from __future__ import annotations

import importlib
import json
import re
from types import SimpleNamespace

import pytest

from google.protobuf import struct_pb2

from regzone.evidence.model import Resource, Status
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import AnalyzerResource, PolicyPackClient
from tests.policy_documents.cases import ACCOUNT, BUCKET, DEPLOYER, DEPLOYER_USE, GRANTS, SEPARATION, TLS

OPEN = re.compile(r"allows principal \S+ \((anonymous callers and any account|callers of any account)\)")
FOREIGN = re.compile(r"outside account \d{12}")
BOTH = re.compile(r"(arn:\S+|\*) (?:\(the deployer role\) )?may both administer")


def _resource(type_token: str, props: dict) -> AnalyzerResource:
    properties, provider = struct_pb2.Struct(), struct_pb2.Struct()
    properties.update(props)
    provider.update({"region": "eu-west-1"})
    return AnalyzerResource(urn=f"urn:pulumi:test::regzone::{type_token}::case", type=type_token, name="case",
                            properties=properties, protect=True,
                            provider=("pulumi:providers:aws", "urn:pulumi:test::regzone::pulumi:providers:aws::default",
                                      "default", provider))


def key(document: str) -> AnalyzerResource:
    return _resource("aws:kms/key:Key", {"policy": document, "enableKeyRotation": True, "deletionWindowInDays": 30})


def repository_policy(document: str) -> AnalyzerResource:
    return _resource("aws:ecr/repositoryPolicy:RepositoryPolicy", {"repository": "dev-ai/serving", "policy": document})


def bucket_policy(document: str, bucket: str = "zone-data") -> AnalyzerResource:
    return _resource("aws:s3/bucketPolicy:BucketPolicy", {"bucket": bucket, "policy": document})


def _check(name):
    return importlib.import_module(f"regzone.evidence.checks.{name}.check")


CTX = SimpleNamespace(account=ACCOUNT, deployer_role_arn=None)
CTX_WITH_DEPLOYER = SimpleNamespace(account=ACCOUNT, deployer_role_arn=DEPLOYER)


def _evidence(check: str, data: dict, resource_id: str = "arn:aws:kms:eu-west-1:111122223333:key/k", ctx=CTX):
    status, message = _check(check).judge(Resource(resource_id, "eu-west-1", data), ctx)
    assert status in (Status.PASS, Status.FAIL), message
    return status is Status.FAIL, message


@pytest.fixture(scope="module")
def pack():
    """The pack as `regzone pack-config` configures it for a stack in ACCOUNT."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"deployer_role_arn": DEPLOYER} for p in policies})
        yield client


def _messages(pack, policy: str, resource) -> list[str]:
    return [d.message for d in pack.analyze(resource) if d.policy == policy]


def _foreign(messages: list[str]) -> tuple[str, ...]:
    return tuple(sorted({a for m in messages if FOREIGN.search(m) for a in re.findall(r"\d{12}", m)} - {ACCOUNT}))


@pytest.mark.parametrize("case", GRANTS, ids=lambda c: c.name)
def test_who_an_allow_admits(pack, case):
    document = json.dumps(case.document)
    pack_key = _messages(pack, "kms-key-policy-separation", key(document))
    pack_repository = _messages(pack, "ecr-policy-no-public-or-foreign-principal", repository_policy(document))
    pack_bucket = _messages(pack, "s3-bucket-policy-no-public-principal", bucket_policy(document))
    key_failed, key_message = _evidence("kms_key_policy_no_public_principal",
                                        {"metadata": {"KeyManager": "CUSTOMER"}, "policy": case.document})
    _, repository_message = _evidence("ecr_repository_policy_no_public_principal", {"policy": case.document})
    for messages in (pack_key, pack_repository, pack_bucket, [key_message], [repository_message]):
        assert any(OPEN.search(m) for m in messages) is case.open, messages
    if case.foreign is not None:
        assert _foreign(pack_key) == case.foreign, pack_key
        assert _foreign([key_message]) == case.foreign, key_message
        assert key_failed is bool(case.open or case.foreign)


@pytest.mark.parametrize("case", TLS, ids=lambda c: c.name)
def test_tls_only_deny(pack, case):
    name = BUCKET.split(":::", 1)[1]
    pack_messages = _messages(pack, "s3-bucket-policy-tls-only", bucket_policy(json.dumps(case.document), name))
    failed, message = _evidence("s3_bucket_tls_only_policy", {"policy": case.document}, BUCKET)
    assert (pack_messages == []) is case.tls_only, pack_messages
    assert failed is not case.tls_only, message


@pytest.mark.parametrize("case", SEPARATION, ids=lambda c: c.name)
def test_key_administration_and_use(pack, case):
    messages = _messages(pack, "kms-key-policy-separation", key(json.dumps(case.document)))
    failed, evidence = _evidence("kms_key_policy_duty_separation",
                                 {"metadata": {"KeyManager": "CUSTOMER"}, "policy": case.document})
    both = BOTH
    assert tuple(sorted({m.group(1) for text in messages for m in both.finditer(text)})) == case.key_both, messages
    assert tuple(sorted({m.group(1) for m in both.finditer(evidence)})) == case.key_both, evidence
    assert failed is bool(case.key_both)
    mixed = re.compile(r"(\S+) grants both key administration and use")
    assert tuple(m.group(1) for text in messages for m in mixed.finditer(text)) == case.key_mixed, messages


@pytest.mark.parametrize("case", DEPLOYER_USE, ids=lambda c: c.name)
def test_deployer_caller_use(pack, case):
    messages = _messages(pack, "kms-key-policy-separation", key(json.dumps(case.document)))
    assert tuple(sorted({m.group(1) for text in messages for m in BOTH.finditer(text)})) == case.deployer_both, messages
    data = {"metadata": {"KeyManager": "CUSTOMER"}, "policy": case.document}
    _, told = _evidence("kms_key_policy_duty_separation", data, ctx=CTX_WITH_DEPLOYER)
    assert tuple(sorted({m.group(1) for m in BOTH.finditer(told)})) == case.deployer_both, told
    _, untold = _evidence("kms_key_policy_duty_separation", data)
    assert tuple(sorted({m.group(1) for m in BOTH.finditer(untold)})) == case.key_both, untold
