"""SageMaker policies (RAZ-AI-001..004) over the real pack: a private, isolated, zone-keyed, zone-registry
baseline passes for each type; each one-setting change fires; unknowns are reported."""
import json

import pytest

from analyzer_helpers import configured_pack, resource, violations

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/zone/trainer@sha256:{'a' * 64}"
VPC = {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
DOMAIN = "aws:sagemaker/domain:Domain"
MODEL = "aws:sagemaker/model:Model"
TRAINING = "aws:sagemaker/trainingJob:TrainingJob"
TUNING = "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MONITORING = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
IMAGE_VERSION = "aws:sagemaker/imageVersion:ImageVersion"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
SETTINGS = {"allowed_regions": ["eu-west-1"], "deployer_role_arn": f"arn:aws:iam::{ACCOUNT}:role/deployer",
            "zones": {"regulated-eu": {"regions": ["eu-west-1"], "data_classes": ["personal_data"]}},
            "data_class_policy": {"personal_data": {"allowed_zones": ["regulated-eu"]}, "public": {"allowed_zones": ["regulated-eu"]}}}

BASELINE = {
    NOTEBOOK: {"directInternetAccess": "Disabled", "rootAccess": "Disabled", "subnetId": "subnet-1",
               "kmsKeyId": KEY, "instanceType": "ml.t3.medium", "roleArn": "r"},
    DOMAIN: {"appNetworkAccessType": "VpcOnly", "vpcId": "vpc-1", "subnetIds": ["subnet-1"], "kmsKeyId": KEY,
             "authMode": "IAM", "domainName": "d", "defaultUserSettings": {"executionRole": "r"}},
    MODEL: {"primaryContainer": {"image": IMAGE}, "vpcConfig": VPC, "enableNetworkIsolation": True},
    TRAINING: {"algorithmSpecification": {"trainingImage": IMAGE, "trainingInputMode": "File"}, "vpcConfig": VPC,
               "enableNetworkIsolation": True, "outputDataConfig": {"s3OutputPath": "s3://b/o", "kmsKeyId": KEY},
               "resourceConfig": {"instanceType": "ml.m5.large", "volumeKmsKeyId": KEY}},
    TUNING: {"trainingJobDefinition": {
        "algorithmSpecification": {"trainingImage": IMAGE}, "vpcConfig": VPC, "enableNetworkIsolation": True,
        "outputDataConfig": {"s3OutputPath": "s3://b/o", "kmsKeyId": KEY},
        "resourceConfig": {"instanceType": "ml.m5.large", "volumeKmsKeyId": KEY}}},
    ENDPOINT_CONFIG: {"kmsKeyArn": KEY, "productionVariants": [{"modelName": "m"}],
                      "dataCaptureConfig": {"kmsKeyId": KEY, "destinationS3Uri": "s3://b/c"}},
    MONITORING: {"monitoringScheduleConfig": {"monitoringJobDefinition": {
        "monitoringAppSpecification": {"imageUri": IMAGE},
        "networkConfig": {"vpcConfig": VPC, "enableNetworkIsolation": True},
        "monitoringOutputConfig": {"kmsKeyId": KEY},
        "monitoringResources": {"clusterConfig": {"volumeKmsKeyId": KEY}}}}},
    IMAGE_VERSION: {"baseImage": IMAGE, "imageName": "i"},
    FEATURE_GROUP: {"onlineStoreConfig": {"securityConfig": {"kmsKeyId": KEY}}},
}
POLICY_OF = {"private": "sagemaker-notebook-private", "vpc": "sagemaker-in-zone-vpc-with-zone-keys",
             "isolation": "sagemaker-network-isolation", "images": "sagemaker-images-from-zone-registry"}


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def sm(type_token, props, data_class="personal_data"):
    tags = {"zone": "regulated-eu", "data-class": data_class}
    return resource(type_token, props, name="sm", provider_props={
        "region": "eu-west-1", "defaultTags": json.dumps({"tags": tags})})


def all_sagemaker(gate, res):
    return [d for d in gate.analyze(res) if d.policy in POLICY_OF.values()]


@pytest.mark.parametrize("type_token", sorted(BASELINE))
def test_the_zone_baseline_passes_every_sagemaker_policy(gate, type_token):
    assert all_sagemaker(gate, sm(type_token, BASELINE[type_token])) == []


@pytest.mark.parametrize("type_token, change, expected", [
    (NOTEBOOK, {"directInternetAccess": "Enabled"}, "direct internet access"),
    (NOTEBOOK, {"directInternetAccess": None}, "unset, which is Enabled"),
    (NOTEBOOK, {"rootAccess": None}, "root access"),
    (NOTEBOOK, {"rootAccess": "Enabled"}, "root access"),
    (DOMAIN, {"appNetworkAccessType": None}, "PublicInternetOnly"),
    (DOMAIN, {"appNetworkAccessType": "PublicInternetOnly"}, "reach the internet"),
])
def test_notebooks_and_studio_with_internet_or_root_fire(gate, type_token, change, expected):
    found = violations(gate, POLICY_OF["private"], sm(type_token, {**BASELINE[type_token], **change}))
    assert len(found) == 1 and expected in found[0].message and "RAZ-AI-001" in found[0].message


@pytest.mark.parametrize("type_token, change, expected", [
    (NOTEBOOK, {"kmsKeyId": None}, "kmsKeyId is unset"),
    (NOTEBOOK, {"subnetId": None}, "sets no subnetId"),
    (MODEL, {"vpcConfig": None}, "sets no vpcConfig"),
    (TRAINING, {"vpcConfig": None}, "outside the zone's VPC"),
    (TRAINING, {"resourceConfig": {"instanceType": "ml.m5.large"}}, "resourceConfig.volumeKmsKeyId is unset"),
    (TRAINING, {"outputDataConfig": {"s3OutputPath": "s3://b", "kmsKeyId": "alias/aws/s3"}}, "alias/aws/s3"),
    (TUNING, {"trainingJobDefinition": {**BASELINE[TUNING]["trainingJobDefinition"], "vpcConfig": None}},
     "trainingJobDefinition.vpcConfig"),
    (TUNING, {"trainingJobDefinitions": [{**BASELINE[TUNING]["trainingJobDefinition"], "outputDataConfig": {}}]},
     "trainingJobDefinitions.0.outputDataConfig.kmsKeyId"),
    (ENDPOINT_CONFIG, {"kmsKeyArn": None}, "kmsKeyArn is unset"),
    (ENDPOINT_CONFIG, {"dataCaptureConfig": {"destinationS3Uri": "s3://b"}}, "dataCaptureConfig.kmsKeyId"),
    (MONITORING, {"monitoringScheduleConfig": {"monitoringJobDefinition": {
        "monitoringAppSpecification": {"imageUri": IMAGE}, "networkConfig": {"enableNetworkIsolation": True},
        "monitoringOutputConfig": {"kmsKeyId": KEY}}}}, "networkConfig.vpcConfig"),
    (FEATURE_GROUP, {"offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://b"}}},
     "offlineStoreConfig.s3StorageConfig.kmsKeyId"),
])
def test_sagemaker_outside_the_vpc_or_the_zone_key_fires(gate, type_token, change, expected):
    found = violations(gate, POLICY_OF["vpc"], sm(type_token, {**BASELINE[type_token], **change}))
    assert found and any(expected in d.message for d in found), [d.message for d in found]
    assert all("RAZ-AI-002" in d.message for d in found)


def test_a_key_block_unknown_at_preview_is_reported(gate):
    found = violations(gate, POLICY_OF["vpc"], sm(TRAINING, {**BASELINE[TRAINING], "resourceConfig": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("type_token, change", [
    (TRAINING, {"enableNetworkIsolation": False}),
    (TRAINING, {"enableNetworkIsolation": None}),
    (TRAINING, {"enableNetworkIsolation": "0"}),
    (MODEL, {"enableNetworkIsolation": "false"}),
    (TUNING, {"trainingJobDefinition": {**BASELINE[TUNING]["trainingJobDefinition"], "enableNetworkIsolation": False}}),
    (MONITORING, {"monitoringScheduleConfig": {"monitoringJobDefinition": {
        **BASELINE[MONITORING]["monitoringScheduleConfig"]["monitoringJobDefinition"], "networkConfig": {"vpcConfig": VPC}}}}),
])
def test_regulated_work_without_network_isolation_fires(gate, type_token, change):
    found = violations(gate, POLICY_OF["isolation"], sm(type_token, {**BASELINE[type_token], **change}))
    assert len(found) == 1 and "personal_data" in found[0].message and "RAZ-AI-003" in found[0].message


def test_public_work_may_reach_the_network_but_unknown_classes_may_not(gate):
    open_job = {**BASELINE[TRAINING], "enableNetworkIsolation": False}
    assert violations(gate, POLICY_OF["isolation"], sm(TRAINING, open_job, data_class="public")) == []
    unknown_class = violations(gate, POLICY_OF["isolation"], sm(TRAINING, open_job, data_class="novel"))
    assert len(unknown_class) == 1 and "novel" in unknown_class[0].message


def test_isolation_unknown_at_preview_is_reported(gate):
    found = violations(gate, POLICY_OF["isolation"], sm(TRAINING, {**BASELINE[TRAINING], "enableNetworkIsolation": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("type_token, change, expected", [
    (MODEL, {"primaryContainer": {"image": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1"}},
     "account 763104351884"),
    (MODEL, {"primaryContainer": {"image": "docker.io/library/python:3.11"}}, "not from a private ECR"),
    (MODEL, {"containers": [{"image": IMAGE}, {"image": IMAGE.replace("eu-west-1", "us-east-1")}]},
     "registry in us-east-1"),
    (MODEL, {"primaryContainer": {"modelPackageName":
             "arn:aws:sagemaker:eu-west-1:985815980388:model-package/marketplace-llm"}}, "Marketplace"),
    (TRAINING, {"algorithmSpecification": {"algorithmName":
                "arn:aws:sagemaker:us-east-1:123456789012:algorithm/x", "trainingInputMode": "File"}},
     "outside the zone's regions"),
    (TRAINING, {"debugRuleConfigurations": [{"ruleEvaluatorImage": "929884845733.dkr.ecr.eu-west-1.amazonaws.com/r"}]},
     "account 929884845733"),
    (IMAGE_VERSION, {"baseImage": "public.ecr.aws/lts/ubuntu:22.04"}, "not from a private ECR"),
])
def test_images_and_packages_outside_the_zone_fire(gate, type_token, change, expected):
    found = violations(gate, POLICY_OF["images"], sm(type_token, {**BASELINE[type_token], **change}))
    assert len(found) == 1 and expected in found[0].message and "RAZ-AI-004" in found[0].message


def test_images_need_the_zone_account_and_known_values():
    with configured_pack(**{**SETTINGS, "deployer_role_arn": None}) as client:
        found = violations(client, POLICY_OF["images"], sm(MODEL, BASELINE[MODEL]))
        assert len(found) == 1 and "deployer_role_arn" in found[0].message
    with configured_pack(**SETTINGS) as client:
        found = violations(client, POLICY_OF["images"], sm(MODEL, {**BASELINE[MODEL], "primaryContainer": {"image": UNKNOWN}}))
        assert found and "cannot be verified at preview" in found[0].message
