"""Every evidence check that judges encryption treats AWS-managed keys (by alias, by key, or the
service's default when no key is given) as a FAIL, and a key it cannot resolve as an ERROR."""
from __future__ import annotations

import pytest

from regzone.evidence.model import Status
from tests.evidence.conftest import inject, run
from tests.evidence.zone import cluster, trail

ALIAS = "arn:aws:kms:us-east-1:123456789012:alias/aws/{}"


def _ecr(s, ids):
    # Given no key, moto invents a key ARN that KMS does not know (AWS names its aws/ecr key): name it.
    s.client("ecr").create_repository(repositoryName="good/managed", imageTagMutability="IMMUTABLE",
                                      encryptionConfiguration={"encryptionType": "KMS", "kmsKey": ALIAS.format("ecr")},
                                      tags=[{"Key": "zone", "Value": "good"}])


def _template(s, ids):
    s.client("ec2").create_launch_template_version(
        LaunchTemplateId=ids["launch_template"], SourceVersion="1", LaunchTemplateData={"BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": ALIAS.format("ebs"), "VolumeSize": 50}}]})


# check -> (uses an AWS-managed key, fragment of the failing resource)
MANAGED = {
    "ecr_repository_kms_encryption": (_ecr, "repository/good/managed"),
    "cloudtrail_kms_encryption": (lambda s, ids: trail(s, "good-managed", "good", ids["audit_bucket"],
                                                       ALIAS.format("cloudtrail")), "trail/good-managed"),
    "logs_log_group_kms_encryption": (lambda s, ids: s.client("logs").create_log_group(
        logGroupName="/good/managed", kmsKeyId=ALIAS.format("logs"), tags={"zone": "good"}), "log-group:/good/managed"),
    "eks_secrets_encryption": (lambda s, ids: cluster(s.client("eks"), "good-managed", "good", [ids["subnet"]],
                                                      ALIAS.format("eks")), "cluster/good-managed"),
    "ec2_launch_template_encrypted_volumes": (_template, "launch-template/"),
    "s3_bucket_kms_cmk_encryption": (lambda s, ids: s.client("s3").put_bucket_encryption(
        Bucket=ids["data_bucket"], ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}), "good-data"),
}


@pytest.mark.parametrize("check", sorted(MANAGED))
def test_an_aws_managed_key_fails(session, zone, check):
    use, resource = MANAGED[check]
    use(session, zone)
    failures = [f for f in run(session, check) if f.status is Status.FAIL and resource in f.resource]
    assert failures and "AWS-managed" in failures[0].message, [(f.resource, f.message) for f in run(session, check)]


@pytest.mark.parametrize("check", sorted(MANAGED))
def test_a_key_that_cannot_be_described_is_an_error(session, zone, check):
    inject(session, "kms.DescribeKey", "access_denied")
    findings = run(session, check)
    assert findings and {f.status for f in findings} == {Status.ERROR}, [(f.status, f.message) for f in findings]
    assert all("kms:DescribeKey" in f.message for f in findings)


@pytest.mark.parametrize("check", ["ec2_launch_template_encrypted_volumes"])
def test_a_volume_without_a_key_needs_the_region_default_key(session, zone, check):
    """moto does not implement GetEbsDefaultKmsKeyId: what the default key is stays unknown (ERROR)."""
    session.client("ec2").create_launch_template_version(
        LaunchTemplateId=zone["launch_template"], SourceVersion="1", LaunchTemplateData={"BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeSize": 50}}]})
    [finding] = run(session, check)
    assert finding.status is Status.ERROR and "ec2:GetEbsDefaultKmsKeyId" in finding.message
