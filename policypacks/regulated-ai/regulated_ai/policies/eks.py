"""Private EKS cluster policies (controls RAZ-EKS-001..004)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import EKS_CLUSTER

REQUIRED_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@resource_policy(
    "eks-endpoint-private-only",
    description="EKS API endpoints must be private only: no public endpoint, not even restricted by CIDR.",
    controls=["RAZ-EKS-001"], types=[EKS_CLUSTER])
def eks_endpoint_private_only(cluster: ResourceView) -> Iterator[str]:
    # EKS turns the public endpoint on when endpointPublicAccess is not set.
    if cluster.known("vpcConfig.endpointPublicAccess", True) is not False:
        cidrs = cluster.get("vpcConfig.publicAccessCidrs", None)
        restricted = f" (restricted to {', '.join(map(str, cidrs))})" if cidrs else ""
        yield (f"EKS cluster '{cluster.name}' has a public API endpoint{restricted}; regulated zones are "
               "private-only, also with CIDR restrictions. Set vpcConfig.endpointPublicAccess to false.")
    if cluster.known("vpcConfig.endpointPrivateAccess", False) is not True:
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
    description="EKS clusters must authenticate with access entries only (API mode, no aws-auth ConfigMap).",
    controls=["RAZ-EKS-004"], types=[EKS_CLUSTER])
def eks_api_authentication_mode(cluster: ResourceView) -> Iterator[str]:
    # EKS defaults to CONFIG_MAP when accessConfig is not set.
    mode = cluster.known("accessConfig.authenticationMode", "CONFIG_MAP")
    if mode != "API":
        yield (f"EKS cluster '{cluster.name}' uses authentication mode {mode}: the aws-auth ConfigMap is an "
               "unaudited side door. Set accessConfig.authenticationMode to API and use access entries.")
