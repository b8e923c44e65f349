"""KMS key policy documents that separate key administrators from key users.

Administrators get management actions and no cryptographic ones (nor grants, which would let
them give themselves use); users get cryptographic actions and grants only through the AWS
services that need them (`kms:ViaService`); service principals (CloudTrail, CloudWatch Logs and
the S3/log-delivery services that write audit logs) appear only on the audit key.

The deployer (the role that runs `pulumi up`) manages every key without deleting or disabling
it, because KMS's lockout safety check refuses a policy that would not let the caller change it
again (CreateKey/PutKeyPolicy, AWS KMS API reference). Its use of a key is limited to what AWS
performs as the caller when a resource of the program uses a key of that purpose
(catalog/key_caller_permissions.yaml). Every condition is one the request it guards carries: a
condition on a key the request lacks is false, so such a statement never applies.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from components.iam_documents import workload_role_path
from regzone.attestation import CONDITION_PREFIX, IMAGE_KEY, is_attestation_key
from regzone.key_caller_permissions import caller_permissions
from regzone.record import signing

# No "kms:Create*": it would include kms:CreateGrant, with which an administrator could grant itself use.
ADMIN_ACTIONS = [
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
USER_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
# What Pulumi does to a key and its alias: read them, set the policy, rotation, description, tags
# and alias. No ScheduleKeyDeletion, Disable* or CancelKeyDeletion: zone keys are protected and kept.
DEPLOYER_ACTIONS = [
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
    "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource",
    "kms:UntagResource", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
]
# S3 server-side encryption for a reader or writer of a data bucket (Amazon S3 user guide,
# "Protecting data with SSE-KMS": uploads need GenerateDataKey, downloads and multipart uploads Decrypt).
WORKLOAD_DATA_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]

# Which AWS services may use a key of each purpose on a user's behalf (kms:ViaService names,
# AWS KMS developer guide, "Services that support the kms:ViaService condition key").
VIA_SERVICES: dict[str, list[str]] = {
    "data": ["s3"],
    # network-firewall: the egress firewall's rule group, policy and firewall (components/egress_firewall.py).
    "audit": ["s3", "logs", "network-firewall"],
    "artifacts": ["ecr", "s3"],
    "secrets": ["eks", "secretsmanager"],
    "volumes": ["ec2"],
}
PURPOSES = tuple(VIA_SERVICES)
# The key that releases model and data keys only to attested enclaves (Nitro Enclaves): no AWS
# service uses it, so it has no kms:ViaService path.
ENCLAVE_PURPOSE = "enclave"
# What an attested enclave asks for. Both accept a `Recipient` attestation document and then return
# their plaintext encrypted to the enclave's public key (AWS KMS developer guide, "Cryptographic
# attestation support in AWS KMS"; the condition keys apply to Decrypt, DeriveSharedSecret,
# GenerateDataKey, GenerateDataKeyPair and GenerateRandom only).
ENCLAVE_RELEASE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
# What could hand the key's plaintext or its use outside an enclave: denied to every request that
# carries no Nitro Enclaves attestation document. ReEncryptFrom and CreateGrant never carry one, so
# nobody re-encrypts under another key or grants use of this one.
UNATTESTED_DENIED_ACTIONS = ["kms:CreateGrant", "kms:Decrypt", "kms:DeriveSharedSecret", "kms:GenerateDataKey",
                             "kms:GenerateDataKeyPair", "kms:ReEncryptFrom"]
# Producers (the promotion role, zone key users) encrypt a locally generated data key; they never
# receive plaintext from KMS.
PRODUCER_ACTIONS = ["kms:DescribeKey", "kms:Encrypt"]


def key_policy(*, purpose: str, zone_name: str, account_id: str, region: str, partition: str,
               administrators: Sequence[str], users: Sequence[str], deployer: str,
               autoscaling_role_arn: str | None = None) -> str:
    """The JSON key policy for one zone key. `autoscaling_role_arn` (volumes key, zones with node
    groups) is the EC2 Auto Scaling service-linked role that launches the nodes' encrypted volumes."""
    if purpose != "volumes" and autoscaling_role_arn is not None:
        raise ValueError(f"only the volumes key admits the Auto Scaling service-linked role, not the {purpose} key")
    via = [f"{service}.{region}.amazonaws.com" for service in VIA_SERVICES[purpose]]
    in_account_via = {"kms:CallerAccount": account_id, "kms:ViaService": via}
    statements: list[dict] = [
        *_management_statements(administrators, deployer),
        {
            "Sid": "KeyUseThroughZoneServices",
            "Effect": "Allow",
            "Principal": {"AWS": list(users)},
            "Action": USER_ACTIONS,
            "Resource": "*",
            # kms:ViaService is single-valued: a plain StringEquals matches any listed service.
            "Condition": {"StringEquals": in_account_via},
        },
        {
            "Sid": "GrantsForAwsResourcesOnly",
            "Effect": "Allow",
            "Principal": {"AWS": list(users)},
            "Action": GRANT_ACTIONS,
            "Resource": "*",
            # CreateGrant, ListGrants and RevokeGrant all carry kms:GrantIsForAWSResource.
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}, "StringEquals": in_account_via},
        },
        *deployer_use_statements(purpose, deployer, zone_name=zone_name, account_id=account_id,
                                 region=region, partition=partition),
    ]
    if purpose == "audit":
        statements += _audit_service_statements(account_id, region, partition)
    if purpose == "data":
        statements.append(_workload_roles_statement(zone_name, account_id, region, partition))
    if autoscaling_role_arn is not None:
        statements += _autoscaling_statements(autoscaling_role_arn)
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _management_statements(administrators: Sequence[str], deployer: str) -> list[dict]:
    return [
        {
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": list(administrators)},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "DeployerManagesKey",
            "Effect": "Allow",
            "Principal": {"AWS": [deployer]},
            "Action": DEPLOYER_ACTIONS,
            "Resource": "*",
        },
    ]


def enclave_key_policy(*, zone_name: str, account_id: str, partition: str, administrators: Sequence[str],
                       deployer: str, producers: Sequence[str], attestation: Mapping[str, Sequence[str]]) -> str:
    """The JSON key policy of a zone's enclave key (control RAZ-CMP-008): the zone's workload roles
    decrypt and generate data keys only from inside an enclave whose signed attestation document
    carries the configured measurements, and nothing decrypts without one.

    The workload roles are created by the in-cluster program after the key, so (as for the data key)
    the key admits the account and lets IAM decide for roles on the zone's workload path; the
    attestation condition applies to them as a key policy condition, whatever their IAM policies say.
    Measurements are compared with StringEqualsIgnoreCase, as the KMS developer guide's examples do."""
    if not attestation or not all(attestation.values()):
        raise ValueError("the enclave key needs at least one attestation measurement")
    if not all(is_attestation_key(k) for k in attestation):
        raise ValueError(f"attestation conditions are {CONDITION_PREFIX}* keys, not {sorted(attestation)}")
    statements: list[dict] = [
        *_management_statements(administrators, deployer),
        {
            "Sid": "ZoneWorkloadsInAttestedEnclaves",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": ENCLAVE_RELEASE_ACTIONS,
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": account_id},
                "ArnLike": {"aws:PrincipalArn":
                            f"arn:{partition}:iam::{account_id}:role{workload_role_path(zone_name)}*"},
                "StringEqualsIgnoreCase": {key: list(values) for key, values in sorted(attestation.items())},
            },
        },
        {
            # The attestation document carries PCR0 (ImageSha384) whenever a request has one.
            "Sid": "NothingLeavesWithoutAttestation",
            "Effect": "Deny",
            "Principal": "*",
            "Action": UNATTESTED_DENIED_ACTIONS,
            "Resource": "*",
            "Condition": {"Null": {IMAGE_KEY: "true"}},
        },
    ]
    if producers:
        statements.append({
            "Sid": "ProducersEncryptForEnclaves",
            "Effect": "Allow",
            "Principal": {"AWS": list(producers)},
            "Action": PRODUCER_ACTIONS,
            "Resource": "*",
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def deployer_use_statements(purpose: str, deployer: str, *, zone_name: str, account_id: str, region: str,
                            partition: str) -> list[dict]:
    """The deployer's use of a key of `purpose`: the rows of catalog/key_caller_permissions.yaml,
    one statement per distinct condition."""
    grouped: dict[str, tuple[dict, set[str]]] = {}
    for row in caller_permissions().for_purpose(purpose):
        for actions, condition in row.statements(partition=partition, region=region, account=account_id,
                                                 zone=zone_name):
            key = json.dumps(condition, sort_keys=True)
            grouped.setdefault(key, (condition, set()))[1].update(actions)
    statements = []
    for condition, actions in grouped.values():
        service = condition["StringEquals"]["kms:ViaService"].split(".", 1)[0]
        suffix = "ForAwsResources" if "Bool" in condition else ""
        statements.append({
            "Sid": f"DeployerThrough{service.title().replace('-', '')}{suffix}",
            "Effect": "Allow",
            "Principal": {"AWS": [deployer]},
            "Action": sorted(actions),
            "Resource": "*",
            "Condition": condition,
        })
    sids = [s["Sid"] for s in statements]
    if len(set(sids)) != len(sids):
        raise ValueError(f"catalog/key_caller_permissions.yaml: rows of purpose {purpose} need one condition "
                         f"per service; got statements {sids}")
    return statements


def _workload_roles_statement(zone_name: str, account_id: str, region: str, partition: str) -> dict:
    """The zone's Pod Identity roles are created after the key, so they cannot be named: the key
    lets IAM decide for roles on the zone's workload path, through S3 only. Each role's own policy
    then limits it to its data classes' buckets (components/k8s/workload_identity.py)."""
    return {
        "Sid": "ZoneWorkloadRolesThroughS3",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": WORKLOAD_DATA_ACTIONS,
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": f"s3.{region}.amazonaws.com"},
            "ArnLike": {"aws:PrincipalArn":
                        f"arn:{partition}:iam::{account_id}:role{workload_role_path(zone_name)}*"},
        },
    }


def _audit_service_statements(account_id: str, region: str, partition: str) -> list[dict]:
    # AWS CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail".
    trails = f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"
    from_trails = {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": trails}}
    return [
        {
            "Sid": "CloudTrailEncryptsAuditLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {**from_trails,
                          "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails}},
        },
        {
            # DescribeKey carries no encryption context: it needs a statement without one.
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:DescribeKey"],
            "Resource": "*",
            "Condition": from_trails,
        },
        {
            # The audit bucket has an S3 Bucket Key: creating or updating a trail that writes to
            # it needs kms:Decrypt.
            "Sid": "CloudTrailDecryptsWithBucketKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:Decrypt"],
            "Resource": "*",
            "Condition": from_trails,
        },
        {
            # No DescribeKey here: its requests carry no encryption context, so under this
            # condition it could never apply (CloudWatch Logs does not need it).
            "Sid": "CloudWatchLogsEncryptsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            "Resource": "*",
            # Encryption-context keys are String-typed: StringLike matches the same ARNs as the
            # ArnLike of the CloudWatch Logs guide's example and is the operator for the key's type.
            "Condition": {
                "StringLike": {"kms:EncryptionContext:aws:logs:arn":
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


def _autoscaling_statements(role_arn: str) -> list[dict]:
    """Managed node groups launch through EC2 Auto Scaling, whose service-linked role must use the
    key (EC2 Auto Scaling user guide, "Required AWS KMS key policy for use with encrypted volumes")."""
    return [
        {
            "Sid": "AutoScalingUsesVolumesKey",
            "Effect": "Allow",
            "Principal": {"AWS": [role_arn]},
            "Action": USER_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "AutoScalingGrantsForVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": [role_arn]},
            "Action": ["kms:CreateGrant"],
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


# The zone's record-signing key (components/record_key.py, control RAZ-CHG-003): the deployer signs
# the digest of each deployment record (regzone/record/store.py); the account's principals whose IAM
# policies allow it (auditors) verify signatures and read the public key. Both condition keys are
# carried by every Sign request (AWS KMS developer guide, "kms:SigningAlgorithm", "kms:MessageType"),
# and kms:CallerAccount binds the signing to callers of the zone's account, as the deployer's other
# statements are (the pack and evidence accept the deployer's Sign only in that form,
# regzone/key_caller_permissions.py). What KMS checks of a key policy at CreateKey/PutKeyPolicy is
# the lockout safety check, principals that exist, its size and characters (AWS KMS API reference,
# CreateKey, "Policy"); it does not refuse actions that cannot apply to the key spec (the default
# key policy grants kms:* on asymmetric keys too), but such a grant does nothing: KMS refuses
# GenerateDataKey or Encrypt on a SIGN_VERIFY key (InvalidKeyUsageException), so the verifying
# statement names only the signing key's own operations.
RECORD_VERIFY_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Verify"]


def record_signing_key_policy(*, account_id: str, partition: str, administrators: Sequence[str],
                              deployer: str) -> str:
    """The JSON key policy of a zone's asymmetric record-signing key: only the deployer signs."""
    statements = [
        *_management_statements(administrators, deployer),
        {
            "Sid": "DeployerSignsRecordDigests",
            "Effect": "Allow",
            "Principal": {"AWS": [deployer]},
            "Action": sorted(signing.SIGNER_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account_id,
                                           "kms:SigningAlgorithm": signing.ALGORITHM,
                                           "kms:MessageType": signing.MESSAGE_TYPE}},
        },
        {
            "Sid": "AccountVerifiesRecords",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": RECORD_VERIFY_ACTIONS,
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account_id}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
