"""A moto account holding the dev zone's audit bucket, audit key and record-signing key, and the
dev stack's state as `pulumi stack export` would write it after `pulumi up`."""
from __future__ import annotations

import copy
import json

import boto3
import pytest

from regzone.preview.run import run_preview
from regzone.record import signing
from tests.helpers import offline_aws
from tests.record.synthetic_state import export

REGION = "eu-west-1"
ZONE = "dev-ai"
BUCKET = "dev-ai-audit"


@pytest.fixture(scope="session")
def dev_preview():
    return run_preview("dev")


@pytest.fixture
def aws_zone(monkeypatch):
    """The zone's audit bucket (Object Lock), audit key and record-signing key with its alias."""
    with offline_aws(monkeypatch, REGION):
        s3, kms = boto3.client("s3", region_name=REGION), boto3.client("kms", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION},
                         ObjectLockEnabledForBucket=True)
        audit_key = kms.create_key(Description="audit", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["Arn"]
        record_key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=signing.KEY_SPEC)["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=signing.ALIAS.format(zone=ZONE), TargetKeyId=record_key)
        yield {"bucket": BUCKET, "audit_key": audit_key, "record_key": record_key, "s3": s3, "kms": kms}


@pytest.fixture
def state_file(dev_preview, aws_zone, tmp_path):
    """The dev stack's synthetic export, its zone outputs pointing at the moto account."""
    outputs = copy.deepcopy(dev_preview.recording.outputs)
    zone = outputs["zones"][ZONE]
    zone["audit_bucket"], zone["key_arns"]["audit"] = aws_zone["bucket"], aws_zone["audit_key"]
    zone["record_key_arn"] = aws_zone["record_key"]
    path = tmp_path / "state.json"
    path.write_text(json.dumps(export(dev_preview.recording, stack_outputs=outputs)))
    return path


@pytest.fixture
def cached_preview(dev_preview, monkeypatch):
    """`regzone record` reuses the session's dev preview instead of running it again."""
    monkeypatch.setattr("regzone.preview.run.run_preview", lambda *args, **kwargs: dev_preview)
    return dev_preview
