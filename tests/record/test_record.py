"""`regzone record` and `regzone record verify` against moto: the dev stack's record is written
under a COMPLIANCE lock, verifies, never holds a secret, and a changed copy fails naming the field."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest

from regzone.cli import main
import regzone.record.store as store
from tests.record.conftest import BUCKET, REGION
from tests.record.synthetic_state import CIPHERTEXT_SECRET, PLAINTEXT_SECRET

RECORD = ["record", "--stack", "dev", "--commit", "0123456789abcdef0123456789abcdef01234567",
          "--pull-request", "https://github.com/example/zones/pull/42", "--approver", "alice,bob"]


def write_record(state_file, capsys, *extra) -> str:
    assert main([*RECORD, "--state", str(state_file), *extra]) == 0, capsys.readouterr().err
    (uri,) = capsys.readouterr().out.split()
    return uri


def read(uri):
    bucket, key = store.parse_uri(uri)
    return json.loads(boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read())


def put_copy(document, key="deployment-records/regzone/dev/copy.json", *, lock=True):
    extra = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate":
             datetime.now(timezone.utc) + timedelta(days=400)} if lock else {}
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode(),
                                                        **extra)
    return f"s3://{BUCKET}/{key}"


def test_record_of_the_dev_stack_verifies(aws_zone, state_file, cached_preview, capsys):
    uri = write_record(state_file, capsys)
    assert uri.startswith(f"s3://{BUCKET}/deployment-records/regzone/dev/") and uri.endswith(".json")
    head = aws_zone["s3"].head_object(Bucket=BUCKET, Key=store.parse_uri(uri)[1])
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["SSEKMSKeyId"] == aws_zone["audit_key"]
    # the zone's retention (dev: GDPR only, so the 365-day floor) from the time of writing
    assert head["ObjectLockRetainUntilDate"] > datetime.now(timezone.utc) + timedelta(days=364)
    assert main(["record", "verify", uri]) == 0
    assert "verified" in capsys.readouterr().out


def test_record_content(aws_zone, state_file, cached_preview, capsys):
    document = read(write_record(state_file, capsys))
    event = document["event"]
    assert event["eventType"] == "COMPLETE" and event["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/")
    assert event["job"] == {"namespace": "pulumi://regzone", "name": "dev", "facets": event["job"]["facets"]}
    facets = event["run"]["facets"]
    change = facets["regzone_change"]
    assert change["commit"] == "0123456789abcdef0123456789abcdef01234567" and change["approvers"] == ["alice", "bob"]
    assert change["changeReference"] == "CHG-0001" and change["ranBy"]["awsPrincipal"].startswith("arn:aws:")
    assert facets["regzone_record"]["retentionDays"] == 365 and facets["regzone_record"]["zone"] == "dev-ai"
    evidence = facets["regzone_preventiveEvidence"]
    assert evidence["pack"]["name"] == "regulated-ai" and len(evidence["catalog"]["sha256"]) == 64
    rotation = next(p for p in evidence["policies"] if p["policy"] == "kms-key-rotation-enabled")
    # the five symmetric zone keys and the record-signing key were judged, and all passed
    assert (rotation["evaluated"], rotation["passed"], rotation["controls"]) == (6, 6, ["RAZ-KMS-001"])
    assert set(rotation["requirements"]) == {"SOX", "HIPAA", "PCI-DSS", "GDPR"}
    assert len(evidence["policies"]) == len(cached_preview.policies)
    inventory = facets["regzone_inventory"]["resources"]
    assert len(inventory) == len(cached_preview.recording.resources)
    key = next(r for r in inventory if r["urn"].endswith("::dev-ai-keys-audit"))
    assert key["id"] and key["arn"].startswith("arn:aws:kms:") and len(key["inputsSha256"]) == 64
    assert key["judged"]["settings"]["rotation"] is True and key["judged"]["settings"]["policy"].startswith("sha256:")


def test_record_holds_no_secret(aws_zone, state_file, cached_preview, capsys):
    uri = write_record(state_file, capsys)
    bucket, key = store.parse_uri(uri)
    text = aws_zone["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert PLAINTEXT_SECRET not in text and CIPHERTEXT_SECRET not in text
    assert json.loads(text)["event"]["run"]["facets"]["regzone_inventory"]["secretValuesOmitted"] >= 4
    # the secrets are in the state: the test would see them if the record copied them
    assert PLAINTEXT_SECRET in state_file.read_text() and CIPHERTEXT_SECRET in state_file.read_text()


@pytest.mark.parametrize("path, change", [
    ("/run/facets/regzone_change/changeReference", lambda e: e["run"]["facets"]["regzone_change"].update(
        changeReference="CHG-9999")),
    ("/run/facets/regzone_change/approvers/1", lambda e: e["run"]["facets"]["regzone_change"]["approvers"].__setitem__(
        1, "mallory")),
    ("/run/facets/regzone_preventiveEvidence/summary/mandatory", lambda e: e["run"]["facets"][
        "regzone_preventiveEvidence"]["summary"].update(mandatory=0) or e["run"]["facets"][
        "regzone_preventiveEvidence"]["summary"].update(mandatory=3)),
])
def test_changed_copy_fails_naming_the_field(aws_zone, state_file, cached_preview, capsys, path, change):
    document = read(write_record(state_file, capsys))
    change(document["event"])
    copy = put_copy(document)
    verification = store.verify(boto3.Session(region_name=REGION), copy)
    assert not verification.ok
    assert f"field {path} does not match its digest (changed)" in verification.problems
    assert main(["record", "verify", copy]) == 1
    assert path in capsys.readouterr().out


def test_copy_with_a_rewritten_manifest_fails_its_signature(aws_zone, state_file, cached_preview, capsys):
    document = read(write_record(state_file, capsys))
    document["event"]["run"]["facets"]["regzone_change"]["approvers"] = ["mallory"]
    document["manifest"] = store.envelope(document["event"])["manifest"]   # digests made to match
    problems = store.verify(boto3.Session(region_name=REGION), put_copy(document)).problems
    assert problems == [f"signature does not verify with {aws_zone['record_key']}: the manifest was changed or "
                        "signed by another key"]


def test_copy_signed_by_another_key_fails(aws_zone, state_file, cached_preview, capsys):
    document = read(write_record(state_file, capsys))
    other = aws_zone["kms"].create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    document["signature"] = store.sign(boto3.Session(region_name=REGION), other, document["manifest"])
    problems = store.verify(boto3.Session(region_name=REGION), put_copy(document)).problems
    assert any(f"signature.keyId is {other}, not the zone's record-signing key" in p for p in problems)
    assert any("signature does not verify" in p for p in problems)


def test_unlocked_copy_fails_naming_the_lock(aws_zone, state_file, cached_preview, capsys):
    document = read(write_record(state_file, capsys))
    problems = store.verify(boto3.Session(region_name=REGION), put_copy(document, lock=False)).problems
    assert problems == ["lock.mode is absent, not COMPLIANCE", "lock.retainUntil is absent"]


def test_short_retention_fails_naming_the_retain_until(aws_zone, state_file, cached_preview, capsys):
    document = read(write_record(state_file, capsys))
    key = "deployment-records/regzone/dev/short.json"
    aws_zone["s3"].put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode(), ObjectLockMode="COMPLIANCE",
                              ObjectLockRetainUntilDate=datetime.now(timezone.utc) + timedelta(days=30))
    (problem,) = store.verify(boto3.Session(region_name=REGION), f"s3://{BUCKET}/{key}").problems
    assert problem.startswith("lock.retainUntil is ") and "the zone's audit retention" in problem


def test_failing_to_write_fails_the_command(aws_zone, state_file, cached_preview, capsys):
    aws_zone["s3"].put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))
    assert main([*RECORD, "--state", str(state_file)]) == 1
    assert "the record was not written: put_object failed (403" in capsys.readouterr().err


def test_state_without_the_signing_key_output_is_a_usage_error(aws_zone, state_file, cached_preview, capsys):
    document = json.loads(state_file.read_text())
    del document["deployment"]["resources"][0]["outputs"]["zones"]["dev-ai"]["record_key_arn"]
    state_file.write_text(json.dumps(document))
    assert main([*RECORD, "--state", str(state_file)]) == 2
    assert "zones.dev-ai.record_key_arn is missing" in capsys.readouterr().err
    assert aws_zone["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_state_of_another_stack_is_a_usage_error(aws_zone, state_file, cached_preview, capsys):
    assert main(["record", "--stack", "hipaa", "--state", str(state_file)]) == 2
    assert "is stack regzone/dev, not regzone/hipaa" in capsys.readouterr().err


def test_latest_is_the_newest_record_of_the_stack(aws_zone, state_file, cached_preview, capsys):
    first = write_record(state_file, capsys)
    second = write_record(state_file, capsys)
    assert first != second
    assert store.latest(boto3.Session(region_name=REGION), BUCKET, "regzone", "dev") == max(first, second)


@pytest.mark.slow
def test_record_runs_the_preview_itself(aws_zone, state_file, capsys):
    """The whole path: `regzone record` previews the dev stack with the real pack, then writes."""
    uri = write_record(state_file, capsys)
    assert main(["record", "verify", uri]) == 0


def test_facets_follow_their_schema_and_the_event_is_an_openlineage_run_event(aws_zone, state_file, cached_preview,
                                                                             capsys):
    import jsonschema
    from openlineage.client.event_v2 import RunEvent

    from regzone.record.facets import SCHEMA_URN

    schema = json.loads((Path(store.__file__).parent / "facets.schema.json").read_text())
    event = read(write_record(state_file, capsys))["event"]
    for name, facet in event["run"]["facets"].items():
        if name.startswith("regzone_"):
            definition = facet["_schemaURL"].removeprefix(f"{SCHEMA_URN}#/$defs/")
            jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{definition}"}).validate(facet)
    assert event["schemaURL"] == RunEvent._get_schema()
    assert event["run"]["facets"]["processing_engine"] == {**event["run"]["facets"]["processing_engine"],
                                                           "name": "pulumi", "version": "v3.272.0"}


def test_retention_on_put_is_the_zones_audit_retention_from_the_record_time(aws_zone, state_file, cached_preview,
                                                                            capsys):
    uri = write_record(state_file, capsys)
    event = read(uri)["event"]
    head = aws_zone["s3"].head_object(Bucket=BUCKET, Key=store.parse_uri(uri)[1])
    assert head["ObjectLockRetainUntilDate"] == datetime.fromisoformat(event["eventTime"]) + timedelta(days=365)


@pytest.mark.parametrize("stack, zone, days", [("hipaa", "clinical-ai", 2190), ("pci", "cde-fraud", 400)])
def test_each_zone_is_locked_for_its_own_retention(aws_zone, stack, zone, days):
    """The destination carries the zone's audit retention (its frameworks' longest, or its own
    setting), and the put asks exactly that of S3."""
    from regzone.config.loader import load_stack_file
    from regzone.paths import STACKS_DIR
    from regzone.record.command import destinations
    from regzone.record.state import StackState

    outputs = {"zones": {zone: {"audit_bucket": BUCKET, "key_arns": {"audit": aws_zone["audit_key"]},
                                "record_key_arn": aws_zone["record_key"]}}}
    (target,) = destinations(load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml"),
                             StackState("regzone", stack, [], outputs))
    assert target.retention_days == days
    now = datetime.now(timezone.utc).replace(microsecond=0)
    uri = store.write(boto3.Session(region_name=REGION), bucket=BUCKET, key=f"deployment-records/regzone/{stack}/x.json",
                      audit_key=target.audit_key, document={"format": 1}, retention_days=target.retention_days, now=now)
    head = aws_zone["s3"].head_object(Bucket=BUCKET, Key=store.parse_uri(uri)[1])
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", now + timedelta(days=days))


def test_the_locked_put_carries_a_checksum(aws_zone, state_file, cached_preview, capsys, monkeypatch):
    """S3 refuses a PutObject with Object Lock parameters that has neither Content-MD5 nor
    x-amz-sdk-checksum-algorithm (Amazon S3 API reference, PutObject, Content-MD5: "required for any
    request to upload an object with a retention period configured using Amazon S3 Object Lock").
    moto does not enforce it, so the request itself is checked."""
    sent = []
    original = boto3.Session.client

    def client(self, service, *args, **kwargs):
        made = original(self, service, *args, **kwargs)
        if service == "s3":
            made.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(request.headers))
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    write_record(state_file, capsys)
    (headers,) = sent
    assert headers["x-amz-object-lock-mode"] == b"COMPLIANCE" and headers["x-amz-sdk-checksum-algorithm"] == b"SHA256"


def test_failing_to_sign_fails_the_command_and_writes_nothing(aws_zone, state_file, cached_preview, capsys):
    document = json.loads(state_file.read_text())
    zone = document["deployment"]["resources"][0]["outputs"]["zones"]["dev-ai"]
    zone["record_key_arn"] = zone["record_key_arn"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    state_file.write_text(json.dumps(document))
    assert main([*RECORD, "--state", str(state_file)]) == 1
    err = capsys.readouterr().err
    assert "the record was not written: sign failed (NotFoundException" in err and "kms:Sign" in err
    assert aws_zone["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_bucket_without_object_lock_fails_the_command(aws_zone, state_file, cached_preview, capsys):
    """S3 refuses the locked put on a bucket without Object Lock (InvalidRequest); nothing unlocked is left."""
    aws_zone["s3"].create_bucket(Bucket="dev-ai-unlocked", CreateBucketConfiguration={"LocationConstraint": REGION})
    document = json.loads(state_file.read_text())
    document["deployment"]["resources"][0]["outputs"]["zones"]["dev-ai"]["audit_bucket"] = "dev-ai-unlocked"
    state_file.write_text(json.dumps(document))
    assert main([*RECORD, "--state", str(state_file)]) == 1
    assert "the record was not written: put_object failed (InvalidRequest" in capsys.readouterr().err
    assert aws_zone["s3"].list_objects_v2(Bucket="dev-ai-unlocked").get("KeyCount") == 0


def test_a_put_that_leaves_no_lock_fails(aws_zone, monkeypatch):
    """The lock is read back after the put: a write S3 accepted without the lock is not a record."""
    session = boto3.Session(region_name=REGION)
    original = boto3.Session.client

    def client(self, service, *args, **kwargs):
        made = original(self, service, *args, **kwargs)
        if service == "s3":
            put = made.put_object
            made.put_object = lambda **kw: put(**{k: v for k, v in kw.items() if not k.startswith("ObjectLock")})
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    with pytest.raises(store.RecordError, match="was written but is not locked as required: lock.mode is absent"):
        store.write(session, bucket=BUCKET, key="deployment-records/regzone/dev/y.json", audit_key=aws_zone["audit_key"],
                    document={"format": 1}, retention_days=365)
