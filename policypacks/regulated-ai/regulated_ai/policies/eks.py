"""Private EKS cluster policies (controls RAZ-EKS-001..004) and EKS access policies (RAZ-K8S-007)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.exposure import public_api_endpoint
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import (EKS_ACCESS_ENTRY, EKS_ACCESS_POLICY_ASSOCIATION, EKS_CLUSTER,
                                EKS_IDENTITY_PROVIDER_CONFIG)

REQUIRED_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@resource_policy(
    "eks-endpoint-private-only",
    description="EKS API endpoints must be private only: no public endpoint, not even restricted by CIDR.",
    controls=["RAZ-EKS-001"], types=[EKS_CLUSTER])
def eks_endpoint_private_only(cluster: ResourceView) -> Iterator[str]:
    if public_api_endpoint(cluster):
        cidrs = cluster.get("vpcConfig.publicAccessCidrs", None)
        restricted = f" (restricted to {', '.join(map(str, cidrs))})" if cidrs else ""
        yield (f"EKS cluster '{cluster.name}' has a public API endpoint{restricted}; regulated zones are "
               "private-only, also with CIDR restrictions. Set vpcConfig.endpointPublicAccess to false.")
    if cluster.flag("vpcConfig.endpointPrivateAccess", False) is not True:
        yield (f"EKS cluster '{cluster.name}' has no private API endpoint: set "
               "vpcConfig.endpointPrivateAccess to true.")


@resource_policy(
    "eks-secrets-encryption",
    description="EKS clusters must envelope-encrypt Kubernetes secrets with a customer-managed KMS key.",
    controls=["RAZ-EKS-002"], types=[EKS_CLUSTER])
def eks_secrets_encryption(cluster: ResourceView) -> Iterator[str]:
    resources = cluster.known("encryptionConfig.resources", None) or []
    key = cluster.get("encryptionConfig.provider.keyArn", None)
    if "secrets" not in resources or key is None or key == "":
        yield (f"EKS cluster '{cluster.name}' does not encrypt Kubernetes secrets with a KMS key: set "
               "encryptionConfig with resources ['secrets'] and the zone secrets key.")


@resource_policy(
    "eks-control-plane-logging",
    description="EKS clusters must send all five control-plane log types to CloudWatch Logs.",
    controls=["RAZ-EKS-003"], types=[EKS_CLUSTER])
def eks_control_plane_logging(cluster: ResourceView) -> Iterator[str]:
    enabled = cluster.known("enabledClusterLogTypes", None) or []
    missing = [t for t in REQUIRED_LOG_TYPES if t not in enabled]
    if missing:
        yield (f"EKS cluster '{cluster.name}' does not log {', '.join(missing)}: set enabledClusterLogTypes "
               f"to {list(REQUIRED_LOG_TYPES)}.")


@resource_policy(
    "eks-api-authentication-mode",
    description="EKS clusters must authenticate with access entries only (API mode, no aws-auth ConfigMap), and "
                "the cluster's creator gets no implicit administrator access entry.",
    controls=["RAZ-EKS-004"], types=[EKS_CLUSTER])
def eks_api_authentication_mode(cluster: ResourceView) -> Iterator[str]:
    # EKS defaults to CONFIG_MAP when accessConfig is not set.
    mode = cluster.known("accessConfig.authenticationMode", "CONFIG_MAP")
    if mode != "API":
        yield (f"EKS cluster '{cluster.name}' uses authentication mode {mode}: the aws-auth ConfigMap is an "
               "unaudited side door. Set accessConfig.authenticationMode to API and use access entries.")
    # CreateCluster: bootstrapClusterCreatorAdminPermissions defaults to true, which gives the creating
    # principal a cluster-admin access entry that no one granted through the zone's access design.
    if cluster.flag("accessConfig.bootstrapClusterCreatorAdminPermissions", True) is not False:
        yield (f"EKS cluster '{cluster.name}' gives its creator cluster-admin (bootstrapClusterCreatorAdminPermissions "
               "is not false): set it to false and grant administrators through access entries.")


@resource_policy(
    "eks-no-oidc-identity-provider",
    description="EKS clusters authenticate only IAM principals through access entries: no OIDC identity provider.",
    controls=["RAZ-EKS-004"], types=[EKS_IDENTITY_PROVIDER_CONFIG])
def eks_no_oidc_identity_provider(config: ResourceView) -> Iterator[str]:
    issuer = config.get("oidc.issuerUrl", "an external issuer")
    yield (f"identity provider config '{config.name}' lets users of {issuer} authenticate to the cluster outside "
           "IAM and access entries (their access is neither granted through the zone's access design nor recorded "
           "as an IAM principal in CloudTrail): remove it and grant IAM roles with access entries.")


# The EKS access policy that is cluster-admin ("AmazonEKSClusterAdminPolicy ... equivalent to the
# cluster-admin ClusterRole", EKS user guide, access policy permissions); the system:masters group
# bypasses authorization altogether.
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
MASTERS = "system:masters"


@resource_policy(
    "eks-cluster-admin-access-break-glass",
    description="Only break-glass principals may get cluster-admin through EKS access: the cluster admin access "
                "policy, or the system:masters group in an access entry.",
    controls=["RAZ-K8S-007"], types=[EKS_ACCESS_POLICY_ASSOCIATION, EKS_ACCESS_ENTRY])
def eks_cluster_admin_access_break_glass(access: ResourceView) -> Iterator[str]:
    principal = access.known("principalArn")
    if principal in access.settings.break_glass_subjects:
        return
    if access.type == EKS_ACCESS_POLICY_ASSOCIATION:
        policy = str(access.known("policyArn") or "")
        if policy.rsplit("/", 1)[-1] == CLUSTER_ADMIN_POLICY:
            yield (f"access policy association '{access.name}' gives {principal} {CLUSTER_ADMIN_POLICY} "
                   "(cluster-admin): associate a duty policy, or list the principal in break_glass_subjects.")
        return
    groups = access.known("kubernetesGroups", None) or []
    if MASTERS in groups:
        yield (f"access entry '{access.name}' puts {principal} in {MASTERS}, which bypasses Kubernetes "
               "authorization: use duty groups, or list the principal in break_glass_subjects.")
