"""The zone key policy documents and the caller-permission table they are built from."""
import fnmatch
import json

import pytest
from pydantic import ValidationError

from components.iam_documents import workload_role_path
from components.kms_policy import PURPOSES, key_policy
from regzone.key_caller_permissions import CallerPermission, caller_permissions

ACCOUNT = "111122223333"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/regzone-deployer"
AUTOSCALING = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
# Key resource operations of AWS KMS (API reference), to expand the wildcards policies use.
KMS_ACTIONS = [
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
    "kms:DeleteImportedKeyMaterial", "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey",
    "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateMac",
    "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:GetParametersForImport", "kms:GetPublicKey",
    "kms:ImportKeyMaterial", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags",
    "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:ReplicateKey", "kms:RetireGrant",
    "kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:Sign", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription", "kms:UpdatePrimaryRegion", "kms:Verify",
    "kms:VerifyMac",
]
# Which requests carry which condition keys (AWS KMS developer guide, "AWS KMS condition keys").
CARRY_ENCRYPTION_CONTEXT = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
                            "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:ReEncryptFrom",
                            "kms:ReEncryptTo"}
CARRY_GRANT_FOR_AWS_RESOURCE = {"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}


def policy(purpose, **changes):
    arguments = dict(purpose=purpose, zone_name="dev-ai", account_id=ACCOUNT, region="eu-west-1", partition="aws",
                     administrators=[f"arn:aws:iam::{ACCOUNT}:role/key-admin"],
                     users=[f"arn:aws:iam::{ACCOUNT}:role/workload"], deployer=DEPLOYER,
                     autoscaling_role_arn=AUTOSCALING if purpose == "volumes" else None)
    return json.loads(key_policy(**{**arguments, **changes}))["Statement"]


def expand(actions):
    listed = actions if isinstance(actions, list) else [actions]
    return {action for pattern in listed for action in KMS_ACTIONS if fnmatch.fnmatchcase(action, pattern)}


def condition_keys(statement):
    return {key for block in statement.get("Condition", {}).values() for key in block}


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_condition_is_carried_by_the_actions_it_guards(purpose):
    """A condition on a key the request does not carry is false: DescribeKey under an encryption
    context, or DescribeKey under GrantIsForAWSResource, would never be allowed."""
    for statement in policy(purpose):
        actions = expand(statement["Action"])
        keys = condition_keys(statement)
        if any(key.startswith("kms:EncryptionContext:") for key in keys):
            assert actions <= CARRY_ENCRYPTION_CONTEXT, (statement["Sid"], sorted(actions - CARRY_ENCRYPTION_CONTEXT))
        if "kms:GrantIsForAWSResource" in keys:
            assert actions <= CARRY_GRANT_FOR_AWS_RESOURCE, statement["Sid"]


def test_cloudtrail_describes_the_key_in_a_statement_of_its_own():
    """AWS CloudTrail user guide, "Enable CloudTrail to describe KMS key properties"."""
    trail = [s for s in policy("audit") if s["Principal"].get("Service") == "cloudtrail.amazonaws.com"]
    describe = [s for s in trail if "kms:DescribeKey" in expand(s["Action"])]
    assert len(describe) == 1 and not any(k.startswith("kms:EncryptionContext") for k in condition_keys(describe[0]))
    assert describe[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


@pytest.mark.parametrize("purpose", PURPOSES)
def test_deployer_gets_exactly_the_caller_rows_of_the_purpose(purpose):
    granted = {a for s in policy(purpose) if s["Principal"].get("AWS") == [DEPLOYER] and "Condition" in s
               for a in s["Action"]}
    expected = {a for row in caller_permissions().for_purpose(purpose) for a in row.actions}
    assert granted == expected


def test_deployer_use_goes_through_the_row_service_only():
    statements = {s["Sid"]: s for s in policy("artifacts")}
    grants = statements["DeployerThroughEcrForAwsResources"]
    assert grants["Action"] == ["kms:CreateGrant"]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}, "StringEquals": {
        "kms:CallerAccount": ACCOUNT, "kms:ViaService": "ecr.eu-west-1.amazonaws.com"}}
    # The EKS guide: GrantIsForAWSResource is not supported for CreateCluster, so none on the EKS grant.
    eks = {s["Sid"]: s for s in policy("secrets")}["DeployerThroughEks"]
    assert "Bool" not in eks["Condition"] and eks["Condition"]["StringEquals"]["kms:ViaService"] == \
        "eks.eu-west-1.amazonaws.com"


def test_volumes_key_admits_the_autoscaling_role_only_when_given():
    statements = {s["Sid"]: s for s in policy("volumes")}
    assert statements["AutoScalingGrantsForVolumes"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert statements["AutoScalingGrantsForVolumes"]["Principal"] == {"AWS": [AUTOSCALING]}
    assert not [s for s in policy("volumes", autoscaling_role_arn=None) if AUTOSCALING in json.dumps(s)]
    with pytest.raises(ValueError, match="only the volumes key"):
        policy("data", autoscaling_role_arn=AUTOSCALING)


def test_data_key_lets_iam_decide_for_the_zone_workload_roles_through_s3():
    """Workload roles are created after the key, so they are matched by path, not named."""
    (statement,) = [s for s in policy("data") if s["Sid"] == "ZoneWorkloadRolesThroughS3"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.eu-west-1.amazonaws.com"},
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/regzone/dev-ai/workloads/*"}}
    assert workload_role_path("dev-ai") == "/regzone/dev-ai/workloads/"
    for purpose in ("audit", "artifacts", "secrets", "volumes"):
        assert "ZoneWorkloadRolesThroughS3" not in {s["Sid"] for s in policy(purpose)}


def test_the_table_cites_aws_documentation_for_every_row():
    rows = caller_permissions().rows
    assert {row.resource for row in rows} >= {
        "aws:eks/cluster:Cluster", "aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion", "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudtrail/trail:Trail", "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/nodeGroup:NodeGroup",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"}
    assert all(row.sources and row.note for row in rows)


ROW = {"resource": "aws:eks/cluster:Cluster", "key_property": "k", "purpose": "secrets", "note": "n",
       "sources": ["https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html"]}


@pytest.mark.parametrize("changes, expected", [
    ({"actions": ["kms:DescribeKey"], "via_service": "eks", "encryption_context": {"SecretARN": "*"}},
     "carry no encryption context"),
    ({"actions": ["kms:DescribeKey"], "via_service": "eks", "grant_for_aws_resource": True}, "without a grant"),
    ({"actions": ["kms:Decrypt"]}, "only through a service"),
    ({"actions": ["kms:*"], "via_service": "eks"}, "unknown actions"),
    ({"sources": ["https://example.com/blog"]}, "AWS documentation page"),
    ({"actions": ["kms:Decrypt"], "via_service": "secretsmanager", "encryption_context": {"SecretARN": "*"}},
     "caller_context must give a request value"),
    ({"service_uses": [{"principal": {"Service": "logs.{region}.amazonaws.com"}, "actions": ["kms:*"]}]},
     "service_uses name unknown actions"),
])
def test_rows_that_no_request_could_match_are_refused(changes, expected):
    with pytest.raises(ValidationError, match=expected):
        CallerPermission.model_validate({**ROW, **changes})


def test_deployer_writes_records_with_the_audit_key_into_the_zone_audit_buckets_only():
    """The record step puts each deployment record into the audit bucket with SSE-KMS under the audit key."""
    (statement,) = [s for s in policy("audit") if s["Sid"] == "DeployerThroughS3"]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"
    assert statement["Condition"]["StringLike"] == {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::dev-ai-audit*"}
    for purpose in ("data", "artifacts", "secrets", "volumes"):
        assert "DeployerThroughS3" not in {s["Sid"] for s in policy(purpose)}
