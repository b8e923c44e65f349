"""The pack judges an existing stack's state as `pulumi policy analyze --file <export>` hands it over
(issue 17): the dev zone's export passes with its derived pack config, and a broken export fires a
resource policy (on inputs) and a stack policy (on outputs). The replay follows
pkg/resource/deploy/analyze_snapshot.go (see tests/record/analyze_export.py)."""
from __future__ import annotations

import copy
import json

import pytest

from regzone.config.loader import parse_stack_config, read_stack_file
from regzone.pack_config import derive_pack_config
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient
from regzone.preview.run import stack_file
from tests.record.analyze_export import analyze_export
from tests.record.synthetic_state import export

pytestmark = pytest.mark.slow

SSE_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")


@pytest.fixture(scope="module")
def dev_export(dev_preview):
    config = read_stack_file(stack_file("dev"))
    return export(dev_preview.recording, config=config)


@pytest.fixture(scope="module")
def pack(dev_preview):
    """The real pack, configured as `--policy-pack-config` with the config derived from the dev stack."""
    path = stack_file("dev")
    with PolicyPackClient(POLICY_PACK_DIR, project=dev_preview.recording.project, stack="dev") as client:
        _, policies = client.info()
        client.configure(policies, derive_pack_config(parse_stack_config(read_stack_file(path), str(path)),
                                                      [p.name for p in policies]))
        yield client


def _mandatory(diagnostics):
    return [(d.policy, d.urn, d.message) for d in diagnostics if d.enforcement in ("mandatory", "remediate")]


def _resources(document, *types):
    return [r for r in document["deployment"]["resources"] if r["type"] in types]


def test_the_export_has_what_analyze_snapshot_reads(dev_export):
    resources = dev_export["deployment"]["resources"]
    by_urn = {r["urn"]: r for r in resources}
    # The zone's AWS resources name its explicit provider; the tls keys use the default provider.
    default_tls = by_urn["urn:pulumi:dev::regzone::pulumi:providers:tls::default_5_6_2"]
    assert default_tls["type"] == "pulumi:providers:tls" and default_tls["custom"]
    custom = [r for r in resources if r["custom"] and r["type"].split(":", 1)[0] in ("aws", "tls")]
    assert {by_urn[r["provider"].rsplit("::", 1)[0]]["type"] for r in custom} == {
        "pulumi:providers:aws", "pulumi:providers:tls"}
    assert any(r.get("protect") for r in resources) and any(r.get("dependencies") for r in resources)
    assert any(r.get("propertyDependencies") for r in resources)
    # Secrets in both forms, so the replay redacts some to "[secret]" as an offline analyze does.
    assert '"ciphertext"' in json.dumps(dev_export) and '"plaintext"' in json.dumps(dev_export)


def test_the_dev_stack_state_passes_the_pack(pack, dev_export):
    per_resource, stack = analyze_export(pack, dev_export)
    assert _mandatory(per_resource) == []
    assert _mandatory(stack) == []


def test_a_broken_state_fires_a_resource_and_a_stack_policy(pack, dev_export):
    broken = copy.deepcopy(dev_export)
    # An unencrypted bucket default in the recorded inputs: a resource policy judges inputs.
    sse = _resources(broken, *SSE_TYPES)[0]
    for rule in sse["inputs"]["rules"]:
        rule["applyServerSideEncryptionByDefault"] = {"sseAlgorithm": "AES256"}
    # The audit bucket without Object Lock in the recorded outputs: stack policies judge outputs.
    trail = _resources(broken, "aws:cloudtrail/trail:Trail")[0]
    bucket = next(r for r in _resources(broken, "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
                  if r["outputs"].get("bucket") == trail["outputs"]["s3BucketName"])
    bucket["outputs"]["objectLockEnabled"] = False
    for lock in _resources(broken, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                           "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"):
        lock["delete"] = True  # replaced, pending deletion: analyze skips it

    per_resource, stack = analyze_export(pack, broken)
    assert ("s3-encryption-kms-cmk", sse["urn"]) in {(p, u) for p, u, _ in _mandatory(per_resource)}
    assert "cloudtrail-bucket-compliance-locked" in {p for p, _, _ in _mandatory(stack)}
    # Each side fired on its own form: the bucket's inputs still carry the lock, the encryption
    # configuration's outputs still name aws:kms.
    assert bucket["inputs"].get("objectLockEnabled") is True
    assert {rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] for rule in sse["outputs"]["rules"]} == {
        "aws:kms"}
