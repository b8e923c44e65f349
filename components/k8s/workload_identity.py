"""Workload identity through EKS Pod Identity (control RAZ-K8S-008): one service account, one IAM
role and one association per workload. The role trusts only the Pod Identity service acting for
the workload's own service account in this cluster (session tags), and allows only what the
workload's statements name; no static keys.

Roles live on the zone's workload path (components/iam_documents.py): they are created after the
zone keys, so the data key cannot name them and lets IAM decide for roles on that path instead;
each role's own policy then limits it to its data classes' buckets and the data key.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.iam_documents import workload_role_path
from components.k8s.labels import ZONE_LABEL

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def pod_identity_trust_policy(account_id: str, cluster_arn: str, namespace: str, service_account: str) -> str:
    """Trust for EKS Pod Identity, for one service account of one cluster only.

    EKS Pod Identity assumes the role with session tags it sets itself (EKS user guide, "Create IAM
    role with trust policy required by EKS Pod Identity" and "Enable or disable session tags":
    eks-cluster-arn, eks-cluster-name, kubernetes-namespace, kubernetes-service-account,
    kubernetes-pod-name, kubernetes-pod-uid), and documents conditions on them as the way to restrict
    which clusters, namespaces and service accounts may use a role. It does not document
    aws:SourceArn for this principal, so the role is bound by the tags; aws:SourceAccount (a global
    key, set by the service for its own calls) keeps other accounts out."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "EksPodIdentityForOneServiceAccount",
        "Effect": "Allow",
        "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {
            "aws:SourceAccount": account_id,
            "aws:RequestTag/eks-cluster-arn": cluster_arn,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": service_account}},
    }]})


def workload_data_statements(*, workload: str, bucket_arns: Sequence[str], data_key_arn: str,
                             region: str) -> list[dict[str, Any]]:
    """Read and write only the workload's own prefix of its data classes' buckets, through S3 only.
    With no bucket known (the zone stack exports none), the role may touch no data at all.

    SSE-KMS (Amazon S3 user guide): an upload needs kms:GenerateDataKey, a download or multipart
    upload kms:Decrypt. The zone buckets use S3 Bucket Keys, whose encryption context is the bucket
    ARN, so the data key serves this role for its own buckets only."""
    if not bucket_arns:
        return [{"Sid": "NoDataBucketsExported", "Effect": "Deny", "Action": ["s3:*", "kms:*"], "Resource": "*"}]
    prefix = f"workloads/{workload}/"
    return [
        {"Sid": "OwnObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": [f"{arn}/{prefix}*" for arn in bucket_arns]},
        {"Sid": "ListOwnPrefix", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": list(bucket_arns),
         "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}}},
        {"Sid": "DataKeyThroughS3", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": [data_key_arn], "Condition": {"StringEquals": {
             "kms:ViaService": f"s3.{region}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": list(bucket_arns)}}},
    ]


def attested_key_statements(*, enclave_key_arn: str, attestation: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """Decrypt and generate data keys with the zone's enclave key, only from an enclave whose attestation
    document carries the configured measurements. The key policy requires the same (RAZ-CMP-008); this
    role's own policy says so too, so that neither alone decides."""
    return [{"Sid": "EnclaveKeyInAttestedEnclave", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": [enclave_key_arn],
             "Condition": {"StringEqualsIgnoreCase": {key: list(values) for key, values in sorted(attestation.items())}}}]


@dataclass
class WorkloadIdentityArgs:
    zone_name: str
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    namespace: str
    service_account: str
    # IAM policy statements (may contain Outputs): the workload's whole permission set.
    statements: pulumi.Input[Sequence[Mapping[str, Any]]] = field(default_factory=list)
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)


class WorkloadIdentity(pulumi.ComponentResource):
    """ServiceAccount + IAM role + PodIdentityAssociation for one workload."""

    role: aws.iam.Role

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:WorkloadIdentity", name, None, opts)
        k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={"name": args.service_account, "namespace": args.namespace,
                      "labels": {ZONE_LABEL: args.zone_name}},
            # Workloads do not call the Kubernetes API; Pod Identity mounts its own token.
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)))
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"zone {args.zone_name}: Pod Identity role of {args.namespace}/{args.service_account}",
            path=workload_role_path(args.zone_name),
            assume_role_policy=pulumi.Output.all(args.account_id, args.cluster_arn).apply(
                lambda values: pod_identity_trust_policy(values[0], values[1], args.namespace, args.service_account)),
            max_session_duration=3600,
            opts=pulumi.ResourceOptions(parent=self))
        aws.iam.RolePolicy(
            f"{name}-permissions", role=self.role.id,
            policy=pulumi.Output.from_input(args.statements).apply(
                lambda statements: json.dumps({"Version": "2012-10-17", "Statement": list(statements)})),
            opts=pulumi.ResourceOptions(parent=self))
        aws.eks.PodIdentityAssociation(
            f"{name}-association", cluster_name=args.cluster_name, namespace=args.namespace,
            service_account=args.service_account, role_arn=self.role.arn, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"role_arn": self.role.arn})
