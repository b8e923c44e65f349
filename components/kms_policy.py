"""KMS key policy documents that separate key administrators from key users.

Administrators get management actions and no cryptographic ones (nor grants, which would let
them give themselves use); users get cryptographic actions and grants only through the AWS
services that need them (`kms:ViaService`); service principals (CloudTrail, CloudWatch Logs and
the S3/log-delivery services that write audit logs) appear only on the audit key.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

# No "kms:Create*": it would include kms:CreateGrant, with which an administrator could grant itself use.
ADMIN_ACTIONS = [
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
USER_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]

# Which AWS services may use a key of each purpose on a user's behalf.
VIA_SERVICES: dict[str, list[str]] = {
    "data": ["s3"],
    "audit": ["s3", "logs"],
    "artifacts": ["ecr", "s3"],
    "secrets": ["eks", "secretsmanager"],
    "volumes": ["ec2", "autoscaling"],
}
PURPOSES = tuple(VIA_SERVICES)


def key_policy(*, purpose: str, account_id: str, region: str, partition: str,
               administrators: Sequence[str], users: Sequence[str]) -> str:
    """The JSON key policy for one zone key."""
    via = [f"{service}.{region}.amazonaws.com" for service in VIA_SERVICES[purpose]]
    statements: list[dict] = [
        {
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": list(administrators)},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "KeyUseThroughZoneServices",
            "Effect": "Allow",
            "Principal": {"AWS": list(users)},
            "Action": USER_ACTIONS,
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": account_id},
                "ForAnyValue:StringEquals": {"kms:ViaService": via},
            },
        },
        {
            "Sid": "GrantsForAwsResourcesOnly",
            "Effect": "Allow",
            "Principal": {"AWS": list(users)},
            "Action": GRANT_ACTIONS,
            "Resource": "*",
            "Condition": {
                "Bool": {"kms:GrantIsForAWSResource": "true"},
                "StringEquals": {"kms:CallerAccount": account_id},
                "ForAnyValue:StringEquals": {"kms:ViaService": via},
            },
        },
    ]
    if purpose == "audit":
        statements += _audit_service_statements(account_id, region, partition)
    if purpose == "volumes":
        statements.append(_autoscaling_statement(account_id, partition))
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _audit_service_statements(account_id: str, region: str, partition: str) -> list[dict]:
    return [
        {
            "Sid": "CloudTrailEncryptsAuditLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                               f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"},
            },
        },
        {
            "Sid": "CloudWatchLogsEncryptsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                            f"arn:{partition}:logs:{region}:{account_id}:log-group:*"},
            },
        },
        {
            # S3 server access logs and VPC flow logs are written by these services into the
            # KMS-encrypted audit and access-log buckets.
            "Sid": "LogDeliveryEncryptsAuditObjects",
            "Effect": "Allow",
            "Principal": {"Service": ["logging.s3.amazonaws.com", "delivery.logs.amazonaws.com"]},
            "Action": ["kms:GenerateDataKey*", "kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    ]


def _autoscaling_statement(account_id: str, partition: str) -> dict:
    """Managed node groups launch through Auto Scaling, whose service-linked role must use the key."""
    role = (f"arn:{partition}:iam::{account_id}:role/aws-service-role/"
            "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
    return {
        "Sid": "AutoScalingLaunchesEncryptedVolumes",
        "Effect": "Allow",
        "Principal": {"AWS": [role]},
        "Action": USER_ACTIONS + ["kms:CreateGrant"],
        "Resource": "*",
    }
