"""Registry, private cluster and confidential node groups under mocks, with literal arguments
(tests/cluster_program): the wire inputs and options every control depends on."""
import json

import pytest

from regzone.paths import REPO_ROOT
from regzone.preview.recorder import record_program

PROGRAM = REPO_ROOT / "tests" / "cluster_program"
pytestmark = pytest.mark.slow  # each test records a program under mocks (seconds)


def record(**options):
    config = {"aws:region": "eu-west-1", "test:options": json.dumps(options)}
    return record_program(PROGRAM, "t", config)


@pytest.fixture(scope="module")
def program():
    return record()


def of_type(recording, token):
    return {r.name: r for r in recording.resources if r.type == token}


def test_cluster_is_private_encrypted_logged_and_api_authenticated(program):
    (cluster,) = of_type(program, "aws:eks/cluster:Cluster").values()
    inputs = cluster.inputs
    assert inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert inputs["vpcConfig"]["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in inputs["vpcConfig"]
    assert inputs["encryptionConfig"] == {"resources": ["secrets"],
                                          "provider": {"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/secrets"}}
    assert inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert set(inputs["enabledClusterLogTypes"]) == {"api", "audit", "authenticator", "controllerManager",
                                                      "scheduler"}
    assert cluster.parent.endswith("regzone:cluster:PrivateCluster::t-eks")
    # Never drifts into billed extended support: EKS upgrades at the end of standard support.
    assert inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert inputs["version"] == "1.35"


def test_control_plane_log_group_exists_first_encrypted_and_protected(program):
    logs = of_type(program, "aws:cloudwatch/logGroup:LogGroup")["t-eks-control-plane-logs"]
    assert logs.inputs["name"] == "/aws/eks/t-eks/cluster"
    assert logs.inputs["kmsKeyId"].endswith(":key/audit") and logs.inputs["retentionInDays"] == 400
    assert logs.protect and logs.retain_on_delete
    (cluster,) = of_type(program, "aws:eks/cluster:Cluster").values()
    assert logs.urn in cluster.dependencies


def test_access_entries_and_pinned_addons(program):
    (entry,) = of_type(program, "aws:eks/accessEntry:AccessEntry").values()
    assert entry.inputs["principalArn"] == "arn:aws:iam::111122223333:role/platform-admin"
    (association,) = of_type(program, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").values()
    assert association.inputs["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
    addons = {a.inputs["addonName"]: a for a in of_type(program, "aws:eks/addon:Addon").values()}
    assert set(addons) == {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"}
    assert all(a.inputs["addonVersion"].startswith("v") for a in addons.values())
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    node_groups = {r.urn for r in of_type(program, "aws:eks/nodeGroup:NodeGroup").values()}
    assert node_groups <= set(addons["coredns"].dependencies)


def test_security_groups_admit_only_the_zone(program):
    rules = {**of_type(program, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
             **of_type(program, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")}
    cidrs = {r.inputs.get("cidrIpv4") for r in rules.values()} - {None}
    assert cidrs == {"10.40.0.0/16"}
    assert rules["t-eks-nodes-to-s3"].inputs["prefixListId"].startswith("pl-")
    assert rules["t-eks-api-from-vpc"].inputs["fromPort"] == 443


def test_https_egress_only_when_asked():
    rules = of_type(record(allow_https_egress=True), "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert rules["t-eks-nodes-https-out"].inputs["cidrIpv4"] == "0.0.0.0/0"
    assert rules["t-eks-nodes-https-out"].inputs["toPort"] == 443 and "t-eks-nodes-to-s3" not in rules


def _node_policies(recording) -> set[str]:
    return {a.inputs["policyArn"].rsplit("/", 1)[1]
            for a in of_type(recording, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").values()
            if a.name.startswith("t-eks-node-")}


def test_ssm_managed_instance_policy_only_with_ssm_endpoints(program):
    assert "AmazonSSMManagedInstanceCore" not in _node_policies(program)
    assert "AmazonSSMManagedInstanceCore" in _node_policies(record(ssm=True))


def test_launch_templates_are_imdsv2_encrypted_private(program):
    templates = of_type(program, "aws:ec2/launchTemplate:LaunchTemplate")
    assert set(templates) == {"t-gpu-lt", "t-cpu-lt"}
    for lt in templates.values():
        inputs = lt.inputs
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
        (mapping,) = inputs["blockDeviceMappings"]
        assert mapping["ebs"]["encrypted"] == "true" and mapping["ebs"]["kmsKeyId"].endswith(":key/volumes")
        (interface,) = inputs["networkInterfaces"]
        assert interface["associatePublicIpAddress"] == "false"
    assert templates["t-gpu-lt"].inputs["enclaveOptions"] == {"enabled": True}
    assert "cpuOptions" not in templates["t-gpu-lt"].inputs
    assert templates["t-cpu-lt"].inputs["cpuOptions"] == {"amdSevSnp": "enabled"}
    assert "enclaveOptions" not in templates["t-cpu-lt"].inputs
    assert "SEV-SNP available" in templates["t-cpu-lt"].inputs["description"]


def test_node_groups_use_their_launch_template_taints_and_labels(program):
    groups = of_type(program, "aws:eks/nodeGroup:NodeGroup")
    gpu, cpu = groups["t-gpu-ng"], groups["t-cpu-ng"]
    templates = of_type(program, "aws:ec2/launchTemplate:LaunchTemplate")
    assert gpu.property_dependencies["launchTemplate"] == [templates["t-gpu-lt"].urn]
    assert gpu.inputs["amiType"] == "AL2023_x86_64_NVIDIA" and cpu.inputs["amiType"] == "AL2023_x86_64_STANDARD"
    assert gpu.inputs["taints"] == [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}]
    assert "taints" not in cpu.inputs
    assert gpu.inputs["labels"] == {"regzone.io/zone": "t", "regzone.io/confidential": "nitro_enclaves",
                                    "data-class.regzone.io/ephi": "true"}
    assert gpu.inputs["tags"]["regzone:confidential-required"] == "true"
    assert gpu.inputs["subnetIds"] == ["subnet-aaaa", "subnet-bbbb"]
    assert "remoteAccess" not in gpu.inputs


@pytest.mark.parametrize("group, message", [
    (["bad", "cpu", ["p5.48xlarge"], "sev_snp"], "p5.48xlarge does not support AMD SEV-SNP; supported: c6a.large"),
    (["bad", "gpu", ["m6a.2xlarge"], "nitro_enclaves"], "m6a.2xlarge has no GPU"),
    (["bad", "cpu", ["c6a.24xlarge"], "sev_snp"], "c6a.24xlarge does not support AMD SEV-SNP; supported: "),
    (["bad", "gpu", ["p3.2xlarge"], "nitro_enclaves"], "p3.2xlarge does not support Nitro Enclaves"),
    (["bad", "gpu", ["g5.2xlarge"], "sev_snp"], "no GPU instance type supports AMD SEV-SNP"),
    (["bad", "cpu", ["m6a.2xlarge"], "none"], "require confidential compute"),
])
def test_bad_groups_fail_before_registration(group, message):
    with pytest.raises(ValueError) as raised:
        record(groups=[group])
    assert message in str(raised.value)


def test_registry_repositories(program):
    repos = of_type(program, "aws:ecr/repository:Repository")
    assert {r.inputs["name"] for r in repos.values()} == {"t/models/summarizer", "t/serving"}
    for repo in repos.values():
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:111122223333:key/artifacts"}]
        assert repo.protect and repo.retain_on_delete and repo.inputs["forceDelete"] is False
    (scanning,) = of_type(program, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration").values()
    assert scanning.inputs["scanType"] == "ENHANCED"
    assert scanning.inputs["rules"][0]["scanFrequency"] == "CONTINUOUS_SCAN"
    assert not of_type(program, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert not of_type(program, "aws:ecr/replicationConfiguration:ReplicationConfiguration")


def test_repository_policy_pull_for_nodes_push_for_promotion_only(program):
    policy = json.loads(of_type(program, "aws:ecr/repositoryPolicy:RepositoryPolicy")["t-registry-serving-policy"]
                        .inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ZonePull"]["Principal"]["AWS"] == ["arn:aws:iam::111122223333:role/t-eks-node-role"]
    assert by_sid["PromotionPush"]["Principal"]["AWS"] == ["arn:aws:iam::111122223333:role/promotion"]
    assert "ecr:PutImage" not in by_sid["ZonePull"]["Action"]
    deny = by_sid["OnlyPromotionWrites"]
    assert deny["Effect"] == "Deny" and "ecr:PutImage" in deny["Action"]
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/promotion"}}
    lifecycle = json.loads(of_type(program, "aws:ecr/lifecyclePolicy:LifecyclePolicy")["t-registry-serving-lifecycle"]
                           .inputs["policy"])
    assert lifecycle["rules"][0]["selection"]["tagStatus"] == "untagged"


def test_intake_manifest_records_seed_fields(program):
    (parameter,) = of_type(program, "aws:ssm/parameter:Parameter").values()
    assert parameter.inputs["type"] == "String" and "value" not in parameter.inputs
    manifest = json.loads(parameter.inputs["insecureValue"])
    (artifact,) = manifest["artifacts"]
    assert {"source", "checksum", "signer", "approval", "permitted_environments", "review_date"} <= set(artifact)
    assert parameter.inputs["name"] == "/regzone/t/registry/intake-manifest"


def test_exclusions_and_replication_when_configured():
    recording = record(exclusions=["dev-*"], replication=["eu-central-1"])
    repo = of_type(recording, "aws:ecr/repository:Repository")["t-registry-serving"]
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo.inputs["imageTagMutabilityExclusionFilters"] == [{"filter": "dev-*", "filterType": "WILDCARD"}]
    (replication,) = of_type(recording, "aws:ecr/replicationConfiguration:ReplicationConfiguration").values()
    destinations = replication.inputs["replicationConfiguration"]["rules"][0]["destinations"]
    assert destinations == [{"region": "eu-central-1", "registryId": "111122223333"}]
