"""Every evidence check against moto (decorator mode): a compliant zone passes, one broken
property fails, and an API that does not answer is an ERROR naming the API and permission."""
from __future__ import annotations

import json

import pytest

from regzone.evidence.checks import load_checks
from regzone.evidence.model import Status
from regzone.evidence.runner import RECORD_CHECKS
from tests.evidence.conftest import inject, run
from tests.evidence.zone import (ACCOUNT_CHECKS, ACCOUNT_TRAIL, ADMIN_ROLE, LOG_TYPES, PAB, STUBBED_CHECKS, cluster,
                                 enclave_policy, key_policy, launch, lifecycle, trail)

# The account-setting checks are tested in tests/evidence/test_account_checks.py (ACCOUNT_CHECKS); the
# record checks judge a deployment record (--record), which the seeded zone has none of: their PASS,
# FAIL and ERROR cases are in tests/evidence/test_deployment_record.py.
CHECKS = [c.name for c in load_checks() if c.name not in {*ACCOUNT_CHECKS, *RECORD_CHECKS}]
# Here the stubbed checks show only that moto's unimplemented API is an ERROR, never a PASS.
MOTO_CHECKS = [c for c in CHECKS if c not in STUBBED_CHECKS]


def test_every_catalog_evidence_name_is_a_check():
    from regzone.catalog import load_catalog
    named = {name for control in load_catalog().controls for name in control.evidence}
    checks = {c.name for c in load_checks()}
    assert named <= checks, f"catalog names checks that do not exist: {named - checks}"
    assert ACCOUNT_CHECKS <= checks


@pytest.mark.parametrize("check", MOTO_CHECKS)
def test_compliant_zone_passes(session, zone, check):
    findings = run(session, check)
    assert findings, f"{check} judged nothing in the compliant zone"
    assert {f.status for f in findings} == {Status.PASS}, [f.message for f in findings if f.status is not Status.PASS]


def _public_key_policy(s, ids):
    s.client("kms").put_key_policy(KeyId=ids["key"], PolicyName="default", Policy=json.dumps({"Statement": [
        {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}))


def _template_version(s, ids, data):
    s.client("ec2").create_launch_template_version(LaunchTemplateId=ids["launch_template"], SourceVersion="1",
                                                   LaunchTemplateData=data)


def _igw_route(s, ids):
    ec2 = s.client("ec2")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids["vpc"])
    ec2.create_route(RouteTableId=ids["route_table"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)


# check -> (one-property break of the compliant zone, fragment of the failing resource, fragment of the message)
BREAKS = {
    "s3_audit_bucket_object_lock_compliance": (lambda s, ids: s.client("s3").put_object_lock_configuration(
        Bucket=ids["audit_bucket"], ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
            "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}}}), "good-audit", "not COMPLIANCE"),
    # moto lets an Object Lock bucket suspend versioning (AWS refuses); the check must see it either way.
    "s3_audit_bucket_versioning_enabled": (lambda s, ids: s.client("s3").put_bucket_versioning(
        Bucket=ids["audit_bucket"], VersioningConfiguration={"Status": "Suspended"}), "good-audit", "Suspended"),
    "s3_data_bucket_lifecycle_expiry": (lambda s, ids: s.client("s3").put_bucket_lifecycle_configuration(
        Bucket=ids["data_bucket"], LifecycleConfiguration=lifecycle(expire_days=None)),
        "good-data", "no Enabled lifecycle rule for the whole bucket expires current objects"),
    "kms_key_policy_duty_separation": (lambda s, ids: s.client("kms").put_key_policy(
        KeyId=ids["key"], PolicyName="default", Policy=key_policy(users=ADMIN_ROLE)), ":key/",
        f"{ADMIN_ROLE} may both administer"),
    "s3_bucket_kms_cmk_encryption": (lambda s, ids: s.client("s3").put_bucket_encryption(
        Bucket=ids["data_bucket"], ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"}}]}),
        "good-data", "AWS-managed"),
    "s3_bucket_public_access_block": (lambda s, ids: s.client("s3").put_public_access_block(
        Bucket=ids["data_bucket"], PublicAccessBlockConfiguration={**PAB, "RestrictPublicBuckets": False}),
        "good-data", "RestrictPublicBuckets"),
    "s3_account_public_access_block": (lambda s, ids: s.client("s3control").put_public_access_block(
        AccountId="123456789012", PublicAccessBlockConfiguration={**PAB, "BlockPublicPolicy": False}),
        "123456789012", "BlockPublicPolicy"),
    "s3_bucket_tls_only_policy": (lambda s, ids: s.client("s3").delete_bucket_policy(Bucket=ids["data_bucket"]),
                                  "good-data", "no bucket policy"),
    "s3_bucket_acls_disabled": (lambda s, ids: s.client("s3").put_bucket_ownership_controls(
        Bucket=ids["data_bucket"], OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
        "good-data", "ObjectWriter"),
    "kms_key_rotation_enabled": (lambda s, ids: s.client("kms").disable_key_rotation(KeyId=ids["key"]),
                                 ":key/", "disabled"),
    "kms_key_policy_no_public_principal": (_public_key_policy, ":key/", "Everyone allows principal *"),
    "kms_grant_zone_principals": (lambda s, ids: s.client("kms").create_grant(
        KeyId=ids["key"], GranteePrincipal="arn:aws:iam::999988887777:role/outsider", Operations=["Decrypt"]),
        ":key/", "GranteePrincipal arn:aws:iam::999988887777:role/outsider"),
    "ecr_repository_immutable_tags": (lambda s, ids: s.client("ecr").put_image_tag_mutability(
        repositoryName=ids["repository"], imageTagMutability="MUTABLE"), "repository/good/model", "MUTABLE"),
    "ecr_repository_scan_on_push": (lambda s, ids: s.client("ecr").put_image_scanning_configuration(
        repositoryName=ids["repository"], imageScanningConfiguration={"scanOnPush": False}),
        "repository/good/model", "not scanned"),
    "ecr_repository_kms_encryption": (lambda s, ids: s.client("ecr").create_repository(
        repositoryName="good/aes", imageTagMutability="IMMUTABLE", tags=[{"Key": "zone", "Value": "good"}]),
        "repository/good/aes", "AES256"),
    "ecr_repository_policy_no_public_principal": (lambda s, ids: s.client("ecr").set_repository_policy(
        repositoryName=ids["repository"], policyText=json.dumps({"Statement": [
            {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]})),
        "repository/good/model", "Anyone allows principal *"),
    "vpc_regulated_subnet_no_igw_route": (_igw_route, "subnet/", "0.0.0.0/0 -> igw-"),
    "vpc_flow_logs_enabled": (lambda s, ids: s.client("ec2").delete_flow_logs(FlowLogIds=[ids["flow_log"]]),
                              "vpc/", "no flow log"),
    "vpc_flow_logs_worm_archive": (lambda s, ids: s.client("s3").put_object_lock_configuration(
        Bucket=ids["audit_bucket"], ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
            "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}}}), "vpc/", "delivers to bucket good-audit: "
        "default retention mode is GOVERNANCE"),
    "vpc_resolver_query_logging": (lambda s, ids: s.client("ec2").create_vpc(CidrBlock="10.51.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "zone", "Value": "good"}]}]), "vpc/", "no active Resolver query logging"),
    "vpc_default_security_group_closed": (lambda s, ids: s.client("ec2").authorize_security_group_ingress(
        GroupId=ids["default_sg"], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                                   "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]),
        "security-group/", "1 ingress"),
    "eks_endpoint_private_only": (lambda s, ids: cluster(s.client("eks"), "good-public", "good", [ids["subnet"]],
                                                         ids["key"], public=True),
                                  "cluster/good-public", "restricted CIDRs are not private"),
    "eks_secrets_encryption": (lambda s, ids: cluster(s.client("eks"), "good-plain", "good", [ids["subnet"]],
                                                      ids["key"], encrypted=False),
                               "cluster/good-plain", "not envelope-encrypted"),
    "eks_control_plane_logging": (lambda s, ids: cluster(s.client("eks"), "good-quiet", "good", [ids["subnet"]],
                                                         ids["key"], log_types=LOG_TYPES[:1]),
                                  "cluster/good-quiet", "audit, authenticator"),
    "ec2_launch_template_imdsv2_required": (lambda s, ids: _template_version(s, ids, {
        "MetadataOptions": {"HttpTokens": "optional"}}), "launch-template/", "version 2 HttpTokens=optional"),
    "ec2_launch_template_encrypted_volumes": (lambda s, ids: _template_version(s, ids, {"BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": False, "VolumeSize": 50}}]}),
        "launch-template/", "version 2 /dev/xvda unencrypted"),
    "ec2_launch_template_no_public_ip": (lambda s, ids: _template_version(s, ids, {"NetworkInterfaces": [
        {"DeviceIndex": 0, "AssociatePublicIpAddress": True}]}), "launch-template/", "version 2 interface 0"),
    "cloudtrail_multi_region": (lambda s, ids: s.client("cloudtrail").update_trail(
        Name=ids["trail"], IsMultiRegionTrail=False), "trail/good-trail", "single-region"),
    "cloudtrail_log_file_validation": (lambda s, ids: s.client("cloudtrail").update_trail(
        Name=ids["trail"], EnableLogFileValidation=False), "trail/good-trail", "validation is off"),
    "cloudtrail_kms_encryption": (lambda s, ids: trail(s, "good-plain-trail", "good", ids["audit_bucket"], None),
                                  "trail/good-plain-trail", "no KMS key"),
    "cloudtrail_logging_on": (lambda s, ids: s.client("cloudtrail").stop_logging(Name=ids["trail"]),
                              "trail/good-trail", "not logging"),
    "cloudtrail_bucket_object_lock": (lambda s, ids: trail(s, "good-data-trail", "good", ids["data_bucket"], ids["key"]),
                                      "trail/good-data-trail", "Object Lock is not enabled"),
    "logs_log_group_kms_encryption": (lambda s, ids: s.client("logs").create_log_group(
        logGroupName="/good/plain", tags={"zone": "good"}), "log-group:/good/plain", "no KMS key"),
    "logs_log_group_retention": (lambda s, ids: s.client("logs").delete_retention_policy(logGroupName=ids["log_group"]),
                                 "log-group:/good/audit", "never expire"),
    # By name: moto ignores delete_trail with an ARN (AWS accepts either).
    "cloudtrail_organization_or_account_trail": (lambda s, ids: s.client("cloudtrail").delete_trail(
        Name=ACCOUNT_TRAIL), "/us-east-1/cloudtrail", "no organization trail"),
    "iam_identity_policy_no_service_wide_grant": (lambda s, ids: s.client("iam").put_role_policy(
        RoleName=ids["role"], PolicyName="admin", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]})),
        "role/good-flow-logs", "inline policy admin: statement Admin allows * on *"),
    "iam_identity_policy_pass_role_named": (lambda s, ids: s.client("iam").put_role_policy(
        RoleName=ids["role"], PolicyName="pass", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})),
        "role/good-flow-logs", "statement Pass allows iam:PassRole on *"),
    "iam_role_trust_named_principals": (lambda s, ids: s.client("iam").update_assume_role_policy(
        RoleName=ids["role"], PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Account", "Effect": "Allow", "Principal": {
            "AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})),
        "role/good-flow-logs", "every principal of 123456789012"),
    "iam_user_no_long_term_credentials": (lambda s, ids: s.client("iam").create_access_key(UserName=ids["user"]),
                                          "user/good-auditor", "active access key"),
    "ec2_instance_confidential_compute": (lambda s, ids: launch(s, "good", "nitro_enclaves", on=False),
                                          "instance/", "nitro_enclaves node group without nitro_enclaves"),
    "sagemaker_notebook_instance_private": (lambda s, ids: s.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="good-open", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::123456789012:role/nb",
        Tags=[{"Key": "zone", "Value": "good"}]), "good-open", "DirectInternetAccess Enabled"),
    "bedrock_model_invocation_logging_enabled": (lambda s, ids: s.client("bedrock").put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": ids["audit_bucket"]}, "textDataDeliveryEnabled": False}),
        "model-invocation-logging", "does not deliver text data"),
    "kms_enclave_key_attestation": (lambda s, ids: s.client("kms").put_key_policy(
        KeyId=ids["enclave_key"], PolicyName="default", Policy=enclave_policy(attestation={
            "kms:RecipientAttestation:ImageSha384": ["ab" * 48]})), ":key/",
        "the policy accepts measurements {kms:recipientattestation:imagesha384: abababababab...}"),
}


def test_every_check_has_a_break():
    assert set(BREAKS) == set(MOTO_CHECKS)


@pytest.mark.parametrize("check", MOTO_CHECKS)
def test_one_broken_property_fails(session, zone, check):
    breaks, resource, message = BREAKS[check]
    breaks(session, zone)
    failures = [f for f in run(session, check) if f.status is Status.FAIL]
    assert any(resource in f.resource and message in f.message for f in failures), \
        [(f.resource, f.message) for f in failures] or "no FAIL"


# check -> (operation to break, how it fails, the IAM permission the ERROR must name)
ERRORS = {
    "s3_audit_bucket_object_lock_compliance": ("s3.GetObjectLockConfiguration", "access_denied",
                                               "s3:GetBucketObjectLockConfiguration"),
    "s3_audit_bucket_versioning_enabled": ("s3.GetBucketVersioning", "throttled", "s3:GetBucketVersioning"),
    "s3_data_bucket_lifecycle_expiry": ("s3.GetBucketLifecycleConfiguration", "access_denied",
                                        "s3:GetLifecycleConfiguration"),
    "kms_key_policy_duty_separation": ("kms.GetKeyPolicy", "not_implemented", "kms:GetKeyPolicy"),
    "s3_bucket_kms_cmk_encryption": ("s3.GetBucketEncryption", "not_implemented", "s3:GetEncryptionConfiguration"),
    "s3_bucket_public_access_block": ("s3.GetPublicAccessBlock", "server_500", "s3:GetBucketPublicAccessBlock"),
    "s3_account_public_access_block": ("s3-control.GetPublicAccessBlock", "parser_error",
                                       "s3:GetAccountPublicAccessBlock"),
    "s3_bucket_tls_only_policy": ("s3.GetBucketPolicy", "access_denied", "s3:GetBucketPolicy"),
    "s3_bucket_acls_disabled": ("s3.GetBucketOwnershipControls", "throttled", "s3:GetBucketOwnershipControls"),
    "kms_key_rotation_enabled": ("kms.GetKeyRotationStatus", "not_implemented", "kms:GetKeyRotationStatus"),
    "kms_key_policy_no_public_principal": ("kms.GetKeyPolicy", "access_denied", "kms:GetKeyPolicy"),
    "kms_grant_zone_principals": ("kms.ListGrants", "access_denied", "kms:ListGrants"),
    "ecr_repository_immutable_tags": ("ecr.DescribeRepositories", "server_500", "ecr:DescribeRepositories"),
    "ecr_repository_scan_on_push": ("ecr.GetRegistryScanningConfiguration", "access_denied",
                                    "ecr:GetRegistryScanningConfiguration"),
    "ecr_repository_kms_encryption": ("ecr.DescribeRepositories", "parser_error", "ecr:DescribeRepositories"),
    "ecr_repository_policy_no_public_principal": ("ecr.GetRepositoryPolicy", "throttled", "ecr:GetRepositoryPolicy"),
    "vpc_regulated_subnet_no_igw_route": ("ec2.DescribeRouteTables", "access_denied", "ec2:DescribeRouteTables"),
    "vpc_flow_logs_enabled": ("ec2.DescribeFlowLogs", "not_implemented", "ec2:DescribeFlowLogs"),
    "vpc_flow_logs_worm_archive": ("s3.GetObjectLockConfiguration", "access_denied",
                                   "s3:GetBucketObjectLockConfiguration"),
    "vpc_resolver_query_logging": ("route53resolver.ListResolverQueryLogConfigAssociations", "throttled",
                                   "route53resolver:ListResolverQueryLogConfigAssociations"),
    # No injection: moto itself does not implement these (decorator mode raises NotImplementedError).
    "vpc_dns_firewall_enforced": (None, None, "route53resolver:ListFirewallRuleGroupAssociations"),
    "network_firewall_egress_allow_list": (None, None, "network-firewall:DescribeFirewallPolicy"),
    "vpc_default_security_group_closed": ("ec2.DescribeSecurityGroups", "server_500", "ec2:DescribeSecurityGroups"),
    "eks_endpoint_private_only": ("eks.DescribeCluster", "eks_404", "eks:DescribeCluster"),
    "eks_secrets_encryption": ("eks.ListClusters", "access_denied", "eks:ListClusters"),
    "eks_control_plane_logging": ("eks.DescribeCluster", "throttled", "eks:DescribeCluster"),
    "ec2_launch_template_imdsv2_required": ("ec2.DescribeLaunchTemplateVersions", "access_denied",
                                            "ec2:DescribeLaunchTemplateVersions"),
    "ec2_launch_template_encrypted_volumes": ("ec2.GetEbsEncryptionByDefault", "not_implemented",
                                              "ec2:GetEbsEncryptionByDefault"),
    "ec2_launch_template_no_public_ip": ("ec2.DescribeLaunchTemplates", "parser_error", "ec2:DescribeLaunchTemplates"),
    "cloudtrail_multi_region": ("cloudtrail.DescribeTrails", "access_denied", "cloudtrail:DescribeTrails"),
    "cloudtrail_log_file_validation": ("cloudtrail.DescribeTrails", "throttled", "cloudtrail:DescribeTrails"),
    "cloudtrail_kms_encryption": ("cloudtrail.DescribeTrails", "server_500", "cloudtrail:DescribeTrails"),
    "cloudtrail_logging_on": ("cloudtrail.GetTrailStatus", "access_denied", "cloudtrail:GetTrailStatus"),
    "cloudtrail_bucket_object_lock": ("s3.GetObjectLockConfiguration", "not_implemented",
                                      "s3:GetBucketObjectLockConfiguration"),
    "logs_log_group_kms_encryption": ("cloudwatch-logs.DescribeLogGroups", "access_denied", "logs:DescribeLogGroups"),
    "logs_log_group_retention": ("cloudwatch-logs.DescribeLogGroups", "throttled", "logs:DescribeLogGroups"),
    "cloudtrail_organization_or_account_trail": ("cloudtrail.DescribeTrails", "access_denied",
                                                 "cloudtrail:DescribeTrails"),
    "iam_identity_policy_no_service_wide_grant": ("iam.GetAccountAuthorizationDetails", "access_denied",
                                                  "iam:GetAccountAuthorizationDetails"),
    "iam_identity_policy_pass_role_named": ("iam.GetAccountAuthorizationDetails", "throttled",
                                            "iam:GetAccountAuthorizationDetails"),
    "iam_role_trust_named_principals": ("iam.GetAccountAuthorizationDetails", "server_500",
                                        "iam:GetAccountAuthorizationDetails"),
    "iam_user_no_long_term_credentials": ("iam.ListAccessKeys", "not_implemented", "iam:ListAccessKeys"),
    "ec2_instance_confidential_compute": ("ec2.DescribeInstances", "access_denied", "ec2:DescribeInstances"),
    "kms_enclave_key_attestation": ("kms.ListAliases", "server_500", "kms:ListAliases"),
    "sagemaker_notebook_instance_private": ("sagemaker.DescribeNotebookInstance", "access_denied",
                                            "sagemaker:DescribeNotebookInstance"),
    "bedrock_model_invocation_logging_enabled": ("bedrock.GetModelInvocationLoggingConfiguration", "throttled",
                                                 "bedrock:GetModelInvocationLoggingConfiguration"),
}


def test_every_check_has_an_error_case():
    assert set(ERRORS) == set(CHECKS)


@pytest.mark.parametrize("check", CHECKS)
def test_unanswered_api_is_error_never_pass(session, zone, check):
    event, failure, permission = ERRORS[check]
    if event is not None:
        inject(session, event, failure)
    findings = run(session, check)
    errors = [f for f in findings if f.status is Status.ERROR]
    assert errors, f"{check}: no ERROR when {event or 'the unimplemented API'} fails ({failure})"
    api = permission if event is None else (
        event.replace("cloudwatch-logs", "logs").replace("s3-control", "s3control").replace(".", ":"))
    assert all(api in f.message and permission in f.message for f in errors), [f.message for f in errors]
    assert [f for f in findings if f.status is Status.PASS] == [], "a resource whose evidence is unknown passed"


@pytest.mark.parametrize("check", ["vpc_regulated_subnet_no_igw_route"])
def test_workload_route_to_a_nat_gateway_fails(session, zone, check):
    """A NAT gateway reaches the internet around the egress firewall as surely as an internet gateway."""
    ec2 = session.client("ec2")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=zone["subnet"], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=zone["route_table"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    failures = [f for f in run(session, check) if f.status is Status.FAIL]
    assert failures and all(f"0.0.0.0/0 -> {nat}" in f.message for f in failures), [f.message for f in failures]
