"""`regzone evidence` as a user runs it: a subprocess against a moto server through AWS_ENDPOINT_URL,
over a compliant zone and a broken one seeded with boto3 (server mode: S3 Control host prefix,
HTTP instead of in-process calls)."""
from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys

import boto3
import pytest
from moto.server import ThreadedMotoServer

from regzone.evidence.aws import strip_account_host_prefix
from regzone.evidence.checks import load_checks
from regzone.evidence.runner import RECORD_CHECKS
from regzone.paths import REPO_ROOT
from tests.evidence.zone import ACCOUNT_CHECKS, ENCLAVE_KEY_CHECKS, REGION, RETENTION_DAYS, STUBBED_CHECKS, seed_zone

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 - moto dummies
               "AWS_DEFAULT_REGION": REGION}


@pytest.fixture
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _break_zone(session, ids) -> None:
    """One defect per check family, all in zone "bad"."""
    s3, kms, ecr, ec2 = (session.client(n) for n in ("s3", "kms", "ecr", "ec2"))
    s3.put_object_lock_configuration(Bucket=ids["audit_bucket"], ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}})
    s3.put_bucket_versioning(Bucket=ids["audit_bucket"], VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_lifecycle(Bucket=ids["data_bucket"])
    s3.delete_bucket_policy(Bucket=ids["data_bucket"])
    kms.disable_key_rotation(KeyId=ids["key"])
    ecr.put_image_tag_mutability(repositoryName=ids["repository"], imageTagMutability="MUTABLE")
    ec2.delete_flow_logs(FlowLogIds=[ids["flow_log"]])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids["vpc"])
    ec2.create_route(RouteTableId=ids["route_table"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    # AWS keeps SourceVersion's other data; moto does not, so the volumes are restated (else the version
    # would rely on EBS encryption by default, whose key moto cannot report: an ERROR, not this defect).
    volumes = ec2.describe_launch_template_versions(LaunchTemplateId=ids["launch_template"], Versions=["1"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]["BlockDeviceMappings"]
    ec2.create_launch_template_version(LaunchTemplateId=ids["launch_template"], SourceVersion="1",
                                       LaunchTemplateData={"MetadataOptions": {"HttpTokens": "optional"},
                                                           "BlockDeviceMappings": volumes})
    session.client("cloudtrail").stop_logging(Name=ids["trail"])
    session.client("logs").delete_retention_policy(logGroupName=ids["log_group"])
    session.client("iam").create_access_key(UserName=ids["user"])
    session.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="bad-open", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::123456789012:role/nb",
        Tags=[{"Key": "zone", "Value": "bad"}])
    session.client("iam").update_assume_role_policy(RoleName=ids["role"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))


EXPECTED_DEFECTS = {
    ("s3_audit_bucket_object_lock_compliance", "bad-audit"), ("cloudtrail_bucket_object_lock", "trail/bad-trail"),
    ("s3_audit_bucket_versioning_enabled", "bad-audit"), ("s3_data_bucket_lifecycle_expiry", "bad-data"),
    ("s3_bucket_tls_only_policy", "bad-data"),
    ("kms_key_rotation_enabled", ":key/"), ("ecr_repository_immutable_tags", "repository/bad/model"),
    ("vpc_flow_logs_enabled", "vpc/"), ("vpc_flow_logs_worm_archive", "vpc/"),
    ("vpc_regulated_subnet_no_igw_route", "subnet/"),
    ("ec2_launch_template_imdsv2_required", "launch-template/"), ("cloudtrail_logging_on", "trail/bad-trail"),
    ("logs_log_group_retention", "log-group:/bad/audit"),
    ("iam_user_no_long_term_credentials", "user/bad-auditor"), ("iam_role_trust_named_principals", "role/bad-flow-logs"),
    ("sagemaker_notebook_instance_private", "bad-open"),
}


STUBBED = sorted(STUBBED_CHECKS)
# Confidential compute is judged in-process (test_confidential_evidence.py): a moto server reports no
# instance's confidential options, and the enclave key's release rule needs a stack's measurements.
# The record checks judge a deployment record (--record), which the seeded zones have none of: a record
# written by `regzone record` is verified and compared in tests/evidence/test_deployment_record.py.
IN_PROCESS_ONLY = {"ec2_instance_confidential_compute", *ENCLAVE_KEY_CHECKS, *RECORD_CHECKS}
# The account-setting checks are tested with stubbed answers (test_account_checks.py).
MOTO_CHECKS = [c.name for c in load_checks() if c.name not in STUBBED_CHECKS | IN_PROCESS_ONLY | ACCOUNT_CHECKS]


def _evidence(endpoint: str, zone: str, tmp_path, checks=MOTO_CHECKS):
    out = tmp_path / f"{zone}.json"
    env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
    env.pop("AWS_PROFILE", None)
    selected = [arg for check in checks for arg in ("--check", check)]
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "evidence", "--format", "json", "--zone", zone,
                           "--min-retention-days", str(RETENTION_DAYS), "--max-attempts", "2", "--output", str(out),
                           *selected],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)  # nosec B603
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(out.read_text())


@pytest.mark.slow
def test_evidence_against_moto_server_finds_every_defect_and_fails_nothing_compliant(endpoint, tmp_path):
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing",  # nosec B106 - moto dummies
                            aws_secret_access_key="testing")
    clients = {name: session.client(name, endpoint_url=endpoint)
               for name in ("s3", "s3control", "kms", "ecr", "ec2", "eks", "cloudtrail", "logs", "iam",
                            "route53resolver", "network-firewall", "sagemaker", "bedrock",
                            "organizations")}
    clients["s3control"].meta.events.register_first("before-send.s3-control", strip_account_host_prefix)
    session.client = lambda name, **_: clients[name]
    seed_zone(session, "good", "10.50.0.0/16")
    _break_zone(session, seed_zone(session, "bad", "10.60.0.0/16"))

    code, good = _evidence(endpoint, "good", tmp_path)
    assert {"generated_at", "account", "regions", "findings"} <= set(good)
    assert good["account"] == "123456789012" and good["regions"] == [REGION]
    not_passing = [(f["check"], f["resource"], f["status"], f["message"]) for f in good["findings"]
                   if f["status"] != "PASS"]
    assert not_passing == [], "\n".join(map(str, not_passing))
    assert code == 0
    assert {f["check"] for f in good["findings"]} >= {c for c, _ in EXPECTED_DEFECTS} | {"s3_account_public_access_block"}

    code, bad = _evidence(endpoint, "bad", tmp_path)
    assert code == 1
    failed = {(f["check"], f["resource"]) for f in bad["findings"] if f["status"] == "FAIL"}
    missing = [d for d in EXPECTED_DEFECTS if not any(c == d[0] and d[1] in r for c, r in failed)]
    assert missing == [], f"defects not found: {missing}"
    assert [f for f in bad["findings"] if f["status"] == "ERROR"] == []
    assert all(f["resource"] and f["region"] and f["message"] for f in bad["findings"])

    code, unanswered = _evidence(endpoint, "good", tmp_path, checks=STUBBED)
    assert code == 1 and {f["check"] for f in unanswered["findings"]} == set(STUBBED)
    assert {f["status"] for f in unanswered["findings"]} == {"ERROR"}, unanswered["findings"]
