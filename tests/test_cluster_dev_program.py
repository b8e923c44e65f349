"""The dev stack under mocks includes the registry, the private cluster, one GPU (Nitro Enclaves) and
one SEV-SNP CPU node group with their launch templates, wired to the zone's network and keys."""
import json

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import record_program


@pytest.fixture(scope="module")
def dev():
    return record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))


def of_type(recording, token):
    return {r.name: r for r in recording.resources if r.type == token}


def key_arn(dev, purpose):
    key = of_type(dev, "aws:kms/key:Key")[f"dev-ai-keys-{purpose}"]
    return f"arn:aws:kms:eu-west-1:111122223333:key/dev-ai-keys-{purpose}", key


@pytest.mark.slow
def test_components_are_children_of_the_zone(dev):
    components = {r.type: r for r in dev.resources if r.type.startswith("regzone:")}
    for token in ("regzone:cluster:PrivateCluster", "regzone:registry:RestrictedRegistry"):
        assert components[token].parent.endswith("regzone:index:RegulatedAiZone::dev-ai")
    groups = of_type(dev, "regzone:compute:ConfidentialNodeGroup")
    assert set(groups) == {"dev-ai-gpu-inference", "dev-ai-cpu-preprocess"}


@pytest.mark.slow
def test_cluster_uses_zone_network_and_keys(dev):
    cluster = of_type(dev, "aws:eks/cluster:Cluster")["dev-ai-eks"]
    subnets = of_type(dev, "aws:ec2/subnet:Subnet")
    workload_ids = {s.name for s in subnets.values() if s.inputs.get("tags", {}).get("regzone:tier") == "workload"}
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == len(workload_ids) == 2
    assert all(any(i.startswith(n) for n in workload_ids) for i in cluster.inputs["vpcConfig"]["subnetIds"])
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster.inputs["encryptionConfig"]["provider"]["keyArn"] == key_arn(dev, "secrets")[0]
    logs = of_type(dev, "aws:cloudwatch/logGroup:LogGroup")["dev-ai-eks-control-plane-logs"]
    assert logs.inputs["kmsKeyId"] == key_arn(dev, "audit")[0] and logs.protect


@pytest.mark.slow
def test_gpu_and_sev_snp_launch_templates(dev):
    templates = of_type(dev, "aws:ec2/launchTemplate:LaunchTemplate")
    gpu, cpu = templates["dev-ai-gpu-inference-lt"], templates["dev-ai-cpu-preprocess-lt"]
    for lt in (gpu, cpu):
        assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
        assert lt.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert lt.inputs["blockDeviceMappings"][0]["ebs"]["kmsKeyId"] == key_arn(dev, "volumes")[0]
        assert lt.inputs["networkInterfaces"][0]["associatePublicIpAddress"] == "false"
    assert gpu.inputs["enclaveOptions"] == {"enabled": True}
    assert cpu.inputs["cpuOptions"] == {"amdSevSnp": "enabled"}
    groups = of_type(dev, "aws:eks/nodeGroup:NodeGroup")
    assert groups["dev-ai-gpu-inference-ng"].inputs["instanceTypes"] == ["g5.2xlarge"]
    assert groups["dev-ai-gpu-inference-ng"].inputs["labels"]["data-class.regzone.io/personal_data"] == "true"
    assert groups["dev-ai-cpu-preprocess-ng"].inputs["instanceTypes"] == ["m6a.2xlarge", "c6a.2xlarge"]


@pytest.mark.slow
def test_https_egress_follows_the_allow_list(dev):
    """dev has an egress allow-list, so nodes may send HTTPS out (the firewall filters it)."""
    rules = of_type(dev, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert rules["dev-ai-eks-nodes-https-out"].inputs["toPort"] == 443


@pytest.mark.slow
def test_registry_pulls_only_for_node_role_and_pushes_for_promotion(dev):
    repos = of_type(dev, "aws:ecr/repository:Repository")
    assert {r.inputs["name"] for r in repos.values()} == {
        "dev-ai/models/support-summarizer", "dev-ai/serving/vllm", "dev-ai/platform/nvidia-k8s-device-plugin",
        "dev-ai/platform/aws-nitro-enclaves-k8s-device-plugin"}
    for repo in repos.values():
        assert repo.inputs["encryptionConfigurations"][0]["kmsKey"] == key_arn(dev, "artifacts")[0]
    policy = json.loads(of_type(dev, "aws:ecr/repositoryPolicy:RepositoryPolicy")[
        "dev-ai-registry-serving-vllm-policy"].inputs["policy"])
    pull = next(s for s in policy["Statement"] if s["Sid"] == "ZonePull")
    assert pull["Principal"]["AWS"] == ["arn:aws:iam::111122223333:role/dev-ai-eks-node-role"]
    manifest = json.loads(of_type(dev, "aws:ssm/parameter:Parameter")["dev-ai-registry-intake-manifest"]
                          .inputs["insecureValue"])
    assert manifest["artifacts"][0]["approval"] == "CHG-0001"
