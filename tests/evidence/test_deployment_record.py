"""deployment_record_verified and deployment_drift against moto: a record of a small deployed zone,
then the account changed after it (PASS, FAIL, ERROR for each)."""
from __future__ import annotations

import io
import json

import boto3
import pytest

from regzone.cli import main
from regzone.evidence.collectors import GLOBAL
from regzone.evidence.model import ScanError, Status
from regzone.evidence.runner import Progress, ScanOptions, scan
import regzone.record.store as store
from regzone.tags import AUDIT_TRUE, TAG_AUDIT, TAG_ZONE
from tests.record.conftest import BUCKET, REGION, ZONE, aws_zone, cached_preview, dev_preview  # noqa: F401 (fixtures)

PROVIDER = "urn:pulumi:dev::regzone::pulumi:providers:aws::dev-ai-aws"
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
     "Action": ["kms:Describe*", "kms:Put*"], "Resource": "*"}]}
LOG_GROUP = "/regzone/dev-ai/flow-logs"


def _resource(type_, name, id_, inputs, outputs=None):
    return {"urn": f"urn:pulumi:dev::regzone::{type_}::{name}", "custom": True, "type": type_, "id": id_,
            "inputs": inputs, "outputs": {**inputs, **(outputs or {})}, "provider": f"{PROVIDER}::provider-id"}


@pytest.fixture
def deployed(aws_zone, tmp_path):
    """A small zone on the moto account and its state after `pulumi up`."""
    s3, kms = aws_zone["s3"], aws_zone["kms"]
    logs, ec2 = boto3.client("logs", region_name=REGION), boto3.client("ec2", region_name=REGION)
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": TAG_ZONE, "Value": ZONE},
                                                             {"Key": TAG_AUDIT, "Value": AUDIT_TRUE}]})
    pab = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=pab)
    s3.put_object_lock_configuration(Bucket=BUCKET, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}}})
    key = kms.describe_key(KeyId=aws_zone["audit_key"])["KeyMetadata"]
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(POLICY))
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": TAG_ZONE, "TagValue": ZONE}])
    logs.create_log_group(logGroupName=LOG_GROUP, kmsKeyId=key["Arn"], tags={TAG_ZONE: ZONE})
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=365)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": TAG_ZONE, "Value": ZONE}]}])["Vpc"]["VpcId"]
    # The key policy as the program wrote it: other key order and spacing, same document.
    program_policy = json.dumps(POLICY, indent=2)
    resources = [
        {"urn": "urn:pulumi:dev::regzone::pulumi:pulumi:Stack::regzone-dev", "custom": False,
         "type": "pulumi:pulumi:Stack", "outputs": {"zones": {ZONE: {
             "audit_bucket": BUCKET, "key_arns": {"audit": aws_zone["audit_key"]},
             "record_key_arn": aws_zone["record_key"]}}}},
        {"urn": PROVIDER, "custom": True, "type": "pulumi:providers:aws", "id": "provider-id",
         "inputs": {"region": REGION}},
        _resource("aws:s3/bucket:Bucket", "dev-ai-audit", BUCKET, {"objectLockEnabled": True},
                  {"arn": f"arn:aws:s3:::{BUCKET}"}),
        _resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dev-ai-audit-public-access", BUCKET,
                  {"bucket": BUCKET, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
                   "restrictPublicBuckets": True}),
        _resource("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "dev-ai-audit-object-lock",
                  BUCKET, {"bucket": BUCKET, "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}}),
        _resource("aws:kms/key:Key", "dev-ai-keys-audit", key["KeyId"],
                  {"enableKeyRotation": True, "keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
                   "isEnabled": True, "policy": program_policy}, {"arn": key["Arn"]}),
        _resource("aws:cloudwatch/logGroup:LogGroup", "dev-ai-flow-logs", LOG_GROUP,
                  {"name": LOG_GROUP, "retentionInDays": 365, "kmsKeyId": key["Arn"]},
                  {"arn": f"arn:aws:logs:{REGION}:123456789012:log-group:{LOG_GROUP}"}),
        _resource("aws:ec2/vpc:Vpc", "dev-ai-vpc", vpc, {"cidrBlock": "10.40.0.0/16"}),
        _resource("aws:kms/alias:Alias", "dev-ai-keys-audit-alias", "alias/dev-ai/audit", {"name": "alias/dev-ai/audit"}),
    ]
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"manifest": {"version": "v3.272.0"},
                                                              "resources": resources}}))
    return {**aws_zone, "state": state, "key_id": key["KeyId"], "vpc": vpc, "logs": logs, "ec2": ec2}


@pytest.fixture
def recorded(deployed, cached_preview, capsys):
    assert main(["record", "--stack", "dev", "--state", str(deployed["state"])]) == 0, capsys.readouterr().err
    return {**deployed, "uri": capsys.readouterr().out.strip()}


def findings(records, *, regions=(REGION,), checks=("deployment_record_verified", "deployment_drift"), session=None):
    options = ScanOptions(regions=regions, checks=checks, max_attempts=1, records=tuple(records))
    return scan(options, session or boto3.Session(region_name=REGION), Progress(io.StringIO())).findings


def by_status(found, status):
    return [f for f in found if f.status is status]


def test_unchanged_account_matches_its_record(recorded):
    found = findings([recorded["uri"]])
    assert by_status(found, Status.FAIL) == [] and by_status(found, Status.ERROR) == []
    verified = [f for f in found if f.check == "deployment_record_verified"]
    assert verified and verified[0].resource == recorded["uri"] and verified[0].region == GLOBAL
    drift = {f.resource: f for f in found if f.check == "deployment_drift"}
    # bucket (and its two configuration resources), key, log group and VPC: compared and passed
    assert len([f for f in found if f.check == "deployment_drift"]) == 6
    assert "matches the record" in drift[f"arn:aws:s3:::{BUCKET}"].message
    assert {f.control for f in found} <= {"RAZ-CHG-002", "RAZ-CHG-003", "RAZ-CHG-004"}


def test_settings_changed_after_the_record_are_drift(recorded):
    s3, kms, logs = recorded["s3"], recorded["kms"], recorded["logs"]
    kms.disable_key_rotation(KeyId=recorded["key_id"])
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=30)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    failed = {f.message for f in by_status(findings([recorded["uri"]]), Status.FAIL)}
    assert any("::dev-ai-keys-audit differs from the record: rotation: recorded True, live False" in m for m in failed)
    assert any("::dev-ai-flow-logs differs from the record: retention_days: recorded 365, live 30" in m for m in failed)
    assert any("::dev-ai-audit-public-access differs from the record: blockPublicPolicy: recorded True, live False"
               in m for m in failed)
    assert len(failed) == 3


def test_key_policy_changed_after_the_record_is_drift(recorded):
    widened = {**POLICY, "Statement": [*POLICY["Statement"], {"Sid": "Use", "Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::123456789012:role/other"}, "Action": "kms:Decrypt", "Resource": "*"}]}
    recorded["kms"].put_key_policy(KeyId=recorded["key_id"], PolicyName="default", Policy=json.dumps(widened))
    (failed,) = by_status(findings([recorded["uri"]]), Status.FAIL)
    assert "::dev-ai-keys-audit differs from the record: policy: recorded 'sha256:" in failed.message


def test_deleted_resource_is_drift(recorded):
    recorded["logs"].delete_log_group(logGroupName=LOG_GROUP)
    (failed,) = by_status(findings([recorded["uri"]]), Status.FAIL)
    assert "::dev-ai-flow-logs (aws:cloudwatch/logGroup:LogGroup) is in the record but not on the account" in failed.message


def test_zone_resource_no_record_accounts_for_is_drift(recorded):
    recorded["ec2"].create_vpc(CidrBlock="10.41.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": TAG_ZONE, "Value": ZONE}]}])
    recorded["ec2"].create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": TAG_ZONE, "Value": "other-zone"}]}])
    (failed,) = by_status(findings([recorded["uri"]]), Status.FAIL)
    assert f"tagged {TAG_ZONE}={ZONE} but no deployment record accounts for it" in failed.message
    assert ":vpc/" in failed.resource and recorded["vpc"] not in failed.resource


def test_tampered_record_fails_and_is_not_compared(recorded):
    bucket, key = store.parse_uri(recorded["uri"])
    document = json.loads(recorded["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
    document["event"]["run"]["facets"]["regzone_inventory"]["resources"][3]["judged"]["settings"]["rotation"] = False
    copy = "deployment-records/regzone/dev/tampered.json"
    recorded["s3"].put_object(Bucket=bucket, Key=copy, Body=json.dumps(document).encode())
    found = findings([f"s3://{bucket}/{copy}"])
    verified = [f for f in found if f.check == "deployment_record_verified"]
    assert {f.control for f in verified} == {"RAZ-CHG-002", "RAZ-CHG-003"}   # one result, both controls
    verified = verified[0]
    assert verified.status is Status.FAIL
    assert "field /run/facets/regzone_inventory/resources/3 does not match its digest" in verified.message
    drift = [f for f in found if f.check == "deployment_drift"]
    assert [f.status for f in drift] == [Status.ERROR] and "not compared" in drift[0].message


def test_unreadable_record_is_an_error(recorded):
    found = findings([f"s3://{BUCKET}/deployment-records/regzone/dev/absent.json"])
    assert {f.status for f in found} == {Status.ERROR}
    verified = next(f for f in found if f.check == "deployment_record_verified")
    assert "get_object failed" in verified.message and "s3:GetObject" in verified.message


def test_region_not_scanned_is_an_error_not_a_pass(recorded):
    found = [f for f in findings([recorded["uri"]], regions=("us-east-1",)) if f.check == "deployment_drift"]
    assert found and all(f.status is Status.ERROR for f in found if "region eu-west-1 is not scanned" in f.message)
    assert not by_status(found, Status.PASS)


def test_live_read_failure_is_an_error(recorded, monkeypatch):
    from botocore.exceptions import ClientError

    original = boto3.Session.client

    def client(self, service, *args, **kwargs):
        made = original(self, service, *args, **kwargs)
        if service == "logs":
            def denied(**_):
                raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}},
                                  "DescribeLogGroups")
            made.describe_log_groups = denied
            made.get_paginator = lambda name: type("P", (), {"paginate": lambda self, **kw: denied()})()
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    found = [f for f in findings([recorded["uri"]]) if f.check == "deployment_drift"]
    errors = [f for f in by_status(found, Status.ERROR) if "dev-ai-flow-logs" in f.message]
    assert errors and "cannot be compared" in errors[0].message


def test_record_checks_without_a_record_are_a_usage_error(aws_zone):
    with pytest.raises(ScanError, match="needs a deployment record"):
        findings([], checks=("deployment_drift",))


def test_evidence_cli_reads_the_latest_record_of_the_stack(recorded, tmp_path, capsys):
    out = tmp_path / "evidence.json"
    code = main(["evidence", "--region", REGION, "--record", "latest", "--stack", "dev", "--check",
                 "deployment_record_verified", "--check", "deployment_drift", "--output", str(out)])
    report = json.loads(out.read_text())
    assert code == 0, capsys.readouterr().err
    assert {f["resource"] for f in report["findings"] if f["check"] == "deployment_record_verified"} == {recorded["uri"]}


def test_latest_without_a_stack_is_a_usage_error(aws_zone, capsys):
    assert main(["evidence", "--region", REGION, "--record", "latest"]) == 2
    assert "--record latest needs --stack" in capsys.readouterr().err


def test_iam_policy_covers_every_call_of_a_record_scan(recorded):
    from regzone.evidence.aws import permission_for
    from regzone.evidence.checks import iam_policy

    session = boto3.Session(region_name=REGION)
    called: set[str] = set()

    def record(model, **_):
        if model.service_model.service_name != "sts":
            called.add(permission_for(model.service_model.service_name, model.name))
    session.events.register("before-call", record)
    assert findings([recorded["uri"]], session=session)
    actions = set(iam_policy()["Statement"][0]["Action"])
    assert {"s3:GetObject", "kms:Verify"} <= called and called <= actions, called - actions


def test_evidence_cli_reads_a_record_by_its_uri(recorded, tmp_path, capsys):
    out = tmp_path / "evidence.json"
    recorded["logs"].put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=30)
    code = main(["evidence", "--region", REGION, "--record", recorded["uri"], "--check", "deployment_record_verified",
                 "--check", "deployment_drift", "--output", str(out)])
    assert code == 1, capsys.readouterr().err   # the drift fails the run
    report = json.loads(out.read_text())
    verified = [f for f in report["findings"] if f["check"] == "deployment_record_verified"]
    assert {(f["resource"], f["status"]) for f in verified} == {(recorded["uri"], "PASS")}
    assert any(f["status"] == "FAIL" and "retention_days: recorded 365, live 30" in f["message"]
               for f in report["findings"] if f["check"] == "deployment_drift")


def test_latest_takes_the_stack_file_too(recorded, tmp_path, capsys):
    from regzone.paths import STACKS_DIR

    out = tmp_path / "evidence.json"
    main(["evidence", "--region", REGION, "--record", "latest", "--stack", str(STACKS_DIR / "Pulumi.dev.yaml"),
          "--check", "deployment_record_verified", "--output", str(out)])
    assert {f["resource"] for f in json.loads(out.read_text())["findings"]} == {recorded["uri"]}


@pytest.mark.parametrize("record, message", [
    ("dev-ai-audit/key.json", "is not an S3 object URI (s3://BUCKET/KEY)"),
    ("s3://dev-ai-audit/", "is not an S3 object URI"),
])
def test_record_that_is_not_an_object_uri_is_a_usage_error(aws_zone, capsys, record, message):
    assert main(["evidence", "--region", REGION, "--record", record]) == 2
    assert message in capsys.readouterr().err


def test_latest_of_a_stack_with_no_record_is_a_usage_error(deployed, capsys):
    assert main(["evidence", "--region", REGION, "--record", "latest", "--stack", "dev"]) == 2
    assert "--record latest: no record of stack dev (project regzone)" in capsys.readouterr().err
