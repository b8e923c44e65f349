"""EKS cluster policies over the analyzer protocol: a private baseline passes; each change fires."""
import pytest

from analyzer_helpers import resource, violations

CLUSTER = "aws:eks/cluster:Cluster"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
BASELINE = {
    "name": "dev-ai-eks",
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "endpointPrivateAccess": True, "endpointPublicAccess": False},
    "encryptionConfig": {"resources": ["secrets"],
                         "provider": {"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/secrets"}},
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
}
POLICIES = ["eks-endpoint-private-only", "eks-secrets-encryption", "eks-control-plane-logging",
            "eks-api-authentication-mode"]


def cluster(**changes):
    return resource(CLUSTER, {**BASELINE, **changes}, name="dev-ai-eks")


@pytest.mark.parametrize("policy", POLICIES)
def test_baseline_cluster_passes(pack, policy):
    assert violations(pack, policy, cluster()) == []


def test_public_endpoint_fires(pack):
    found = violations(pack, "eks-endpoint-private-only", cluster(vpcConfig={
        **BASELINE["vpcConfig"], "endpointPublicAccess": True}))
    assert len(found) == 1 and "RAZ-EKS-001" in found[0].message and found[0].enforcement == "mandatory"


def test_public_endpoint_restricted_by_cidr_still_fires(pack):
    found = violations(pack, "eks-endpoint-private-only", cluster(vpcConfig={
        **BASELINE["vpcConfig"], "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}))
    assert found and "restricted to 203.0.113.0/24" in found[0].message


def test_unset_public_access_fires_because_eks_defaults_to_public(pack):
    found = violations(pack, "eks-endpoint-private-only", cluster(vpcConfig={"subnetIds": ["subnet-a"]}))
    messages = " ".join(d.message for d in found)
    assert "public API endpoint" in messages and "no private API endpoint" in messages


def test_unknown_public_access_is_reported(pack):
    found = violations(pack, "eks-endpoint-private-only", cluster(vpcConfig={
        **BASELINE["vpcConfig"], "endpointPublicAccess": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("encryption", [None, {"resources": []},
                                        {"resources": ["secrets"], "provider": {}}])
def test_missing_secrets_encryption_fires(pack, encryption):
    props = {k: v for k, v in BASELINE.items() if k != "encryptionConfig"}
    if encryption is not None:
        props["encryptionConfig"] = encryption
    found = violations(pack, "eks-secrets-encryption", resource(CLUSTER, props))
    assert found and "RAZ-EKS-002" in found[0].message


def test_missing_log_types_fire(pack):
    found = violations(pack, "eks-control-plane-logging", cluster(enabledClusterLogTypes=["api", "audit"]))
    assert found and "authenticator, controllerManager, scheduler" in found[0].message
    assert violations(pack, "eks-control-plane-logging", cluster(enabledClusterLogTypes=[]))


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_config_map_authentication_fires(pack, mode):
    found = violations(pack, "eks-api-authentication-mode", cluster(accessConfig={"authenticationMode": mode}))
    assert found and mode in found[0].message and "RAZ-EKS-004" in found[0].message


def test_unset_authentication_mode_fires(pack):
    props = {k: v for k, v in BASELINE.items() if k != "accessConfig"}
    assert violations(pack, "eks-api-authentication-mode", resource(CLUSTER, props))


@pytest.mark.parametrize("value", [True, "true", None])
def test_creator_admin_bootstrap_fires_unless_false(pack, value):
    access = {"authenticationMode": "API"}
    if value is not None:
        access["bootstrapClusterCreatorAdminPermissions"] = value
    found = violations(pack, "eks-api-authentication-mode", cluster(accessConfig=access))
    assert len(found) == 1 and "gives its creator cluster-admin" in found[0].message
    access["bootstrapClusterCreatorAdminPermissions"] = "false"
    assert violations(pack, "eks-api-authentication-mode", cluster(accessConfig=access)) == []


@pytest.mark.parametrize("public", ["true", "1", 1])
def test_public_endpoint_in_any_form_the_provider_reads_as_true_fires(pack, public):
    found = violations(pack, "eks-endpoint-private-only", cluster(vpcConfig={
        **BASELINE["vpcConfig"], "endpointPublicAccess": public}))
    assert found and "public API endpoint" in found[0].message


def test_oidc_identity_provider_fires(pack):
    found = violations(pack, "eks-no-oidc-identity-provider", resource(
        "aws:eks/identityProviderConfig:IdentityProviderConfig",
        {"clusterName": "dev-ai-eks", "oidc": {"clientId": "c", "identityProviderConfigName": "idp",
                                               "issuerUrl": "https://idp.example.com"}}))
    assert len(found) == 1 and "https://idp.example.com" in found[0].message


ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
BREAK_GLASS = "arn:aws:iam::111122223333:role/break-glass"


def association(policy, principal="arn:aws:iam::111122223333:role/ci"):
    return resource(ASSOCIATION, {"clusterName": "dev-ai-eks", "policyArn": policy, "principalArn": principal,
                                  "accessScope": {"type": "cluster"}})


def test_cluster_admin_access_policy_fires_for_others(pack):
    found = violations(pack, "eks-cluster-admin-access-break-glass", association(ADMIN_POLICY))
    assert len(found) == 1 and "AmazonEKSClusterAdminPolicy" in found[0].message and "RAZ-K8S-007" in found[0].message
    assert violations(pack, "eks-cluster-admin-access-break-glass", association(VIEW_POLICY)) == []


def test_masters_group_in_an_access_entry_fires(pack):
    entry = "aws:eks/accessEntry:AccessEntry"
    found = violations(pack, "eks-cluster-admin-access-break-glass", resource(entry, {
        "clusterName": "dev-ai-eks", "principalArn": "arn:aws:iam::111122223333:role/ci",
        "kubernetesGroups": ["system:masters"]}))
    assert len(found) == 1 and "system:masters" in found[0].message
    assert violations(pack, "eks-cluster-admin-access-break-glass", resource(entry, {
        "clusterName": "dev-ai-eks", "principalArn": "arn:aws:iam::111122223333:role/ci",
        "kubernetesGroups": ["regzone:trainers"]})) == []


def test_break_glass_principal_may_get_cluster_admin(zone_pack):
    assert violations(zone_pack, "eks-cluster-admin-access-break-glass", association(ADMIN_POLICY, BREAK_GLASS)) == []


@pytest.fixture(scope="module")
def zone_pack():
    from regzone.paths import POLICY_PACK_DIR
    from regzone.preview.analyzer import PolicyPackClient
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"break_glass_subjects": [BREAK_GLASS]} for p in policies})
        yield client
