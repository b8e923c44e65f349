"""moto round-trips of what the node groups and the registry set (see ../shared/reference/moto.md):
launch template versions keep MetadataOptions, EnclaveOptions, CpuOptions and encrypted block devices;
ECR keeps immutability, scanning, KMS encryption and the repository policy. Read launch template
versions, not instances (moto's instances do not inherit the template's settings)."""
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components.registry import lifecycle_policy, repository_policy

REGION = "eu-west-1"
pytestmark = pytest.mark.slow  # moto's EC2 backend takes seconds to load per test


def _kms_key(region=REGION) -> str:
    return boto3.client("kms", region_name=region).create_key(Description="zone volumes")["KeyMetadata"]["Arn"]


def _template_data(key_arn: str, *, sev_snp: bool) -> dict:
    """The launch template data ConfidentialNodeGroup declares, in EC2 API form."""
    data = {
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "Encrypted": True, "KmsKeyId": key_arn, "VolumeSize": 100, "VolumeType": "gp3",
            "DeleteOnTermination": True}}],
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}],
    }
    if sev_snp:
        data["CpuOptions"] = {"AmdSevSnp": "enabled"}
    else:
        data["EnclaveOptions"] = {"Enabled": True}
    return data


@mock_aws
@pytest.mark.parametrize("sev_snp", [False, True])
def test_launch_template_settings_round_trip(sev_snp):
    ec2 = boto3.client("ec2", region_name=REGION)
    key = _kms_key()
    created = ec2.create_launch_template(LaunchTemplateName=f"zone-{sev_snp}",
                                        LaunchTemplateData=_template_data(key, sev_snp=sev_snp))
    (version,) = ec2.describe_launch_template_versions(
        LaunchTemplateId=created["LaunchTemplate"]["LaunchTemplateId"])["LaunchTemplateVersions"]
    data = version["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    (mapping,) = data["BlockDeviceMappings"]
    assert mapping["Ebs"]["Encrypted"] is True and mapping["Ebs"]["KmsKeyId"] == key
    assert data["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is False
    if sev_snp:
        assert data["CpuOptions"]["AmdSevSnp"] == "enabled" and "EnclaveOptions" not in data
    else:
        assert data["EnclaveOptions"]["Enabled"] is True and "CpuOptions" not in data


@mock_aws
def test_a_plain_template_is_distinguishable():
    """The round-trip is a real check: a template without these settings reads back without them."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_launch_template(LaunchTemplateName="plain", LaunchTemplateData={"InstanceType": "m6a.2xlarge"})
    (version,) = ec2.describe_launch_template_versions(LaunchTemplateName="plain")["LaunchTemplateVersions"]
    data = version["LaunchTemplateData"]
    assert "MetadataOptions" not in data and "CpuOptions" not in data and "EnclaveOptions" not in data


@mock_aws
def test_ecr_repository_settings_round_trip():
    ecr = boto3.client("ecr", region_name=REGION)
    key = _kms_key()
    repo = ecr.create_repository(
        repositoryName="dev-ai/serving/vllm", imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})["repository"]
    (described,) = ecr.describe_repositories(repositoryNames=[repo["repositoryName"]])["repositories"]
    assert described["imageTagMutability"] == "IMMUTABLE"
    assert described["imageScanningConfiguration"] == {"scanOnPush": True}
    assert described["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key}

    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    document = repository_policy(pull_principals=[f"arn:aws:iam::{account}:role/dev-ai-eks-node-role"],
                                 promotion_role=f"arn:aws:iam::{account}:role/dev-ai-artifact-promotion",
                                 deployer_role=f"arn:aws:iam::{account}:role/regzone-deployer", account_id=account)
    ecr.set_repository_policy(repositoryName=repo["repositoryName"], policyText=document)
    stored = ecr.get_repository_policy(repositoryName=repo["repositoryName"])["policyText"]
    assert json.loads(stored) == json.loads(document)
    ecr.put_lifecycle_policy(repositoryName=repo["repositoryName"], lifecyclePolicyText=lifecycle_policy(14))
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"])
    assert rules["rules"][0]["selection"]["tagStatus"] == "untagged"


@mock_aws
def test_immutable_tag_cannot_be_overwritten():
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="dev-ai/models/summarizer", imageTagMutability="IMMUTABLE")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + "1" * 64, "size": 1}, "layers": []})
    ecr.put_image(repositoryName="dev-ai/models/summarizer", imageManifest=manifest, imageTag="v1.4.0")
    other = manifest.replace("1" * 64, "2" * 64)
    with pytest.raises(ClientError) as raised:
        ecr.put_image(repositoryName="dev-ai/models/summarizer", imageManifest=other, imageTag="v1.4.0")
    assert raised.value.response["Error"]["Code"] == "ImageAlreadyExistsException"


@mock_aws
def test_mutable_exclusions_and_registry_scanning_round_trip():
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="dev-ai/scratch", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                          imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "dev-*"}])
    (described,) = ecr.describe_repositories(repositoryNames=["dev-ai/scratch"])["repositories"]
    assert described["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=[{
        "scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}])
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning["scanType"] == "ENHANCED"
    assert scanning["rules"][0]["scanFrequency"] == "CONTINUOUS_SCAN"
    with pytest.raises(ClientError) as raised:
        ecr.get_registry_policy()
    assert raised.value.response["Error"]["Code"] == "RegistryPolicyNotFoundException"


@mock_aws
def test_private_cluster_settings_round_trip():
    eks = boto3.client("eks", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    key = _kms_key()
    eks.create_cluster(
        name="dev-ai-eks", roleArn="arn:aws:iam::123456789012:role/eks", version="1.33",
        resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": False, "endpointPrivateAccess": True},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}],
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                                     "enabled": True}]})
    cluster = eks.describe_cluster(name="dev-ai-eks")["cluster"]
    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    assert cluster["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["encryptionConfig"][0]["provider"]["keyArn"] == key
    enabled = {t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]}
    assert enabled == {"api", "audit", "authenticator", "controllerManager", "scheduler"}
