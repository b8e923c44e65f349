"""SageMaker in a zone (controls RAZ-AI-001..004): notebooks and Studio without direct internet access
or root, every model, job, endpoint and store inside the zone's VPC under the zone's keys, network
isolation for work on regulated data classes, and images and model packages only from the zone.

Defaults are the SageMaker API's: a notebook instance has direct internet access and root access unless
they are set to `Disabled` (CreateNotebookInstance API reference, DirectInternetAccess and RootAccess), a
Studio domain uses `PublicInternetOnly` unless `VpcOnly` (CreateDomain API reference, AppNetworkAccessType),
and network isolation is off unless enabled (CreateTrainingJob, CreateModel: EnableNetworkIsolation).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.documents import zone_account
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.keys import non_customer_keys
from regulated_ai.policies.placement import place
from regulated_ai.registry import foreign_image, registry_regions
from regulated_ai.values import Unverifiable, as_bool, is_unknown, values_at
from regzone.catalog import load_catalog

NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
DOMAIN = "aws:sagemaker/domain:Domain"
MODEL = "aws:sagemaker/model:Model"
TRAINING_JOB = "aws:sagemaker/trainingJob:TrainingJob"
TUNING_JOB = "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob"
DATA_QUALITY_JOB = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
MONITORING_SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
ENDPOINT_CONFIGURATION = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ALGORITHM = "aws:sagemaker/algorithm:Algorithm"
IMAGE_VERSION = "aws:sagemaker/imageVersion:ImageVersion"
LABELING_JOB = "aws:sagemaker/labelingJob:LabelingJob"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
FLOW_DEFINITION = "aws:sagemaker/flowDefinition:FlowDefinition"
MODEL_CARD = "aws:sagemaker/modelCard:ModelCard"
DEVICE_FLEET = "aws:sagemaker/deviceFleet:DeviceFleet"

_TUNING_DEFINITIONS = ("trainingJobDefinition", "trainingJobDefinitions")
_MONITORING_JOB = "monitoringScheduleConfig.monitoringJobDefinition"


def _name(resource: ResourceView) -> str:
    return f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"


@resource_policy(
    "sagemaker-notebook-private",
    description="SageMaker notebook instances have no direct internet access and no root access; Studio domains "
                "are VpcOnly.",
    controls=["RAZ-AI-001"], types=[NOTEBOOK, DOMAIN])
def sagemaker_notebook_private(resource: ResourceView) -> Iterator[str]:
    if resource.type == DOMAIN:
        access = resource.known("appNetworkAccessType", None)
        if access != "VpcOnly":
            yield (f"SageMaker domain '{resource.name}' has appNetworkAccessType {access or 'unset (PublicInternetOnly)'}: "
                   "Studio apps reach the internet directly. Set it to VpcOnly in the zone's workload subnets.")
        return
    for setting in ("directInternetAccess", "rootAccess"):
        value = resource.known(setting, None)
        if value != "Disabled":
            what = "direct internet access" if setting == "directInternetAccess" else "root access for its users"
            yield (f"SageMaker notebook instance '{resource.name}' has {what} ({setting} "
                   f"{value or 'unset, which is Enabled'}): set {setting} to Disabled.")


# type -> the inputs that place it in a VPC (one of them must be set), and the key inputs, each required
# wherever its enclosing block is present (a top-level key input always).
_IN_VPC: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    NOTEBOOK: (("subnetId",), ("kmsKeyId",)),
    DOMAIN: (("subnetIds",), ("kmsKeyId",)),
    MODEL: (("vpcConfig",), ()),
    TRAINING_JOB: (("vpcConfig",), ("outputDataConfig.kmsKeyId", "resourceConfig.volumeKmsKeyId")),
    TUNING_JOB: ((), ()),  # per training job definition, below
    DATA_QUALITY_JOB: (("networkConfig.vpcConfig",),
                       ("dataQualityJobOutputConfig.kmsKeyId", "jobResources.clusterConfig.volumeKmsKeyId")),
    MONITORING_SCHEDULE: ((f"{_MONITORING_JOB}.networkConfig.vpcConfig",),
                          (f"{_MONITORING_JOB}.monitoringOutputConfig.kmsKeyId",
                           f"{_MONITORING_JOB}.monitoringResources.clusterConfig.volumeKmsKeyId")),
    ENDPOINT_CONFIGURATION: ((), ("kmsKeyArn", "dataCaptureConfig.kmsKeyId", "asyncInferenceConfig.outputConfig.kmsKeyId",
                                  "productionVariants.coreDumpConfig.kmsKeyId",
                                  "shadowProductionVariants.coreDumpConfig.kmsKeyId")),
    ALGORITHM: ((), tuple(f"validationSpecification.validationProfiles.{p}" for p in (
        "trainingJobDefinition.outputDataConfig.kmsKeyId", "trainingJobDefinition.resourceConfig.volumeKmsKeyId",
        "transformJobDefinition.transformOutput.kmsKeyId",
        "transformJobDefinition.transformResources.volumeKmsKeyId"))),
    LABELING_JOB: ((), ("outputConfig.kmsKeyId", "labelingJobAlgorithmsConfig.labelingJobResourceConfig.volumeKmsKeyId")),
    FEATURE_GROUP: ((), ("offlineStoreConfig.s3StorageConfig.kmsKeyId", "onlineStoreConfig.securityConfig.kmsKeyId")),
    FLOW_DEFINITION: ((), ("outputConfig.kmsKeyId",)),
    MODEL_CARD: ((), ("securityConfig.kmsKeyId",)),
    DEVICE_FLEET: ((), ("outputConfig.kmsKeyId",)),
}
_TUNING_KEYS = ("outputDataConfig.kmsKeyId", "resourceConfig.volumeKmsKeyId", "hyperParameterTuningResourceConfig.volumeKmsKeyId")


def _key_problems(resource: ResourceView, data: object, path: str, where: str = "") -> Iterator[str]:
    for here, value in non_customer_keys(data, path):
        at = f"{where}.{here}" if where else here
        yield (f"SageMaker {_name(resource)}: {at} is {value or 'unset'}, i.e. an AWS managed or owned key: "
               "set it to the zone's data key.")


def _vpc_problem(resource: ResourceView, data: object, paths: tuple[str, ...], where: str = "") -> str | None:
    found = [value for path in paths for _, value in values_at(data, path)]
    if any(is_unknown(v) or v for v in found):
        return None  # the ids of the stack's subnets are unknown at preview: set to a subnet of the stack
    at = f"{where}." if where else ""
    return (f"SageMaker {_name(resource)} sets no {' or '.join(at + p for p in paths)}: it would run in a network "
            "SageMaker manages, outside the zone's VPC, egress firewall and flow logs. Place it in the zone's "
            "workload subnets.")


def _tuning_definitions(resource: ResourceView) -> Iterator[tuple[str, dict]]:
    for path in _TUNING_DEFINITIONS:
        value = resource.known(path, None)
        for index, item in enumerate(value if isinstance(value, list) else [value] if value else []):
            where = f"{path}.{index}" if isinstance(value, list) else path
            if is_unknown(item):
                raise Unverifiable(where)
            if isinstance(item, dict):
                yield where, item


@resource_policy(
    "sagemaker-in-zone-vpc-with-zone-keys",
    description="SageMaker notebooks, domains, models, training, tuning, processing and monitoring jobs run in the "
                "zone's VPC, and everything SageMaker stores for them (volumes, outputs, captures, endpoints, "
                "feature stores) is encrypted with the zone's customer-managed key.",
    controls=["RAZ-AI-002"], types=list(_IN_VPC))
def sagemaker_in_zone_vpc(resource: ResourceView) -> Iterator[str]:
    vpc_paths, key_paths = _IN_VPC[resource.type]
    if resource.type == TUNING_JOB:
        definitions = list(_tuning_definitions(resource))
        if not definitions:
            yield f"SageMaker {_name(resource)} has no training job definition to judge."
        for where, definition in definitions:
            problem = _vpc_problem(resource, definition, ("vpcConfig",), where)
            if problem:
                yield problem
            for path in _TUNING_KEYS:
                yield from _key_problems(resource, definition, path, where)
        return
    if vpc_paths:
        problem = _vpc_problem(resource, resource.props, vpc_paths)
        if problem:
            yield problem
    for path in key_paths:
        yield from _key_problems(resource, resource.props, path)


def regulated_classes(resource: ResourceView) -> list[str]:
    """The resource's data classes that bring a framework into scope (catalog data_class_frameworks); a class
    the catalog does not know counts, and so does a resource that names none (fail closed)."""
    placed = place(resource)
    classes = placed.classes if placed is not None else []
    if not classes:
        return ["(no data-class tag)"]
    known = load_catalog().data_class_frameworks
    return [c for c in classes if c not in known or known[c]]


# type -> where network isolation is set (lists transparent).
_ISOLATION = {TRAINING_JOB: ("enableNetworkIsolation",), MODEL: ("enableNetworkIsolation",),
              TUNING_JOB: tuple(f"{d}.enableNetworkIsolation" for d in _TUNING_DEFINITIONS),
              DATA_QUALITY_JOB: ("networkConfig.enableNetworkIsolation",),
              MONITORING_SCHEDULE: (f"{_MONITORING_JOB}.networkConfig.enableNetworkIsolation",)}


@resource_policy(
    "sagemaker-network-isolation",
    description="SageMaker training, tuning, processing and monitoring jobs and models that handle a regulated data "
                "class run with network isolation: their containers make no outbound call.",
    controls=["RAZ-AI-003"], types=list(_ISOLATION))
def sagemaker_network_isolation(resource: ResourceView) -> Iterator[str]:
    regulated = regulated_classes(resource)
    if not regulated:
        return
    paths = _ISOLATION[resource.type]
    found = [(where, value) for path in paths for where, value in values_at(resource.props, path)]
    if resource.type == TUNING_JOB and not found:
        found = [(f"{paths[0]}", None)]
    for where, value in found or [(paths[0], None)]:
        if as_bool(value, where) is not True:
            yield (f"SageMaker {_name(resource)} handles {regulated[0]} but {where} is not true: its containers "
                   "could send the data anywhere the network allows. Set enableNetworkIsolation to true.")


# type -> paths of container images and of model packages or algorithms (which name their own images).
_IMAGES = {
    MODEL: ("primaryContainer.image", "containers.image"),
    TRAINING_JOB: ("algorithmSpecification.trainingImage", "debugRuleConfigurations.ruleEvaluatorImage",
                   "profilerRuleConfigurations.ruleEvaluatorImage"),
    TUNING_JOB: tuple(f"{d}.algorithmSpecification.trainingImage" for d in _TUNING_DEFINITIONS),
    ALGORITHM: ("trainingSpecification.trainingImage", "inferenceSpecification.containers.image"),
    IMAGE_VERSION: ("baseImage",),
    DATA_QUALITY_JOB: ("dataQualityAppSpecification.imageUri",),
    MONITORING_SCHEDULE: (f"{_MONITORING_JOB}.monitoringAppSpecification.imageUri",),
}
_PACKAGES = {
    MODEL: ("primaryContainer.modelPackageName", "containers.modelPackageName"),
    TRAINING_JOB: ("algorithmSpecification.algorithmName",),
    TUNING_JOB: tuple(f"{d}.algorithmSpecification.algorithmName" for d in _TUNING_DEFINITIONS),
}
# A model package or algorithm by ARN (SageMaker API reference, "Amazon SageMaker AI resource ARNs"); a bare
# name is one of the caller's own account and region.
_SAGEMAKER_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
                            r"(model-package|algorithm)/")


def _foreign_package(value: str, resource: ResourceView) -> str | None:
    match = _SAGEMAKER_ARN.match(value)
    if match is None:
        return None if value and ":" not in value else "is not a model package or algorithm of the zone"
    regions = registry_regions(resource.settings)
    account = zone_account(resource.settings)
    if match["region"] not in regions:
        return f"is in {match['region']}, outside the zone's regions"
    if account is None:
        return "names an account the pack cannot compare: set deployer_role_arn in the pack config"
    if match["account"] != account:
        return f"belongs to account {match['account']} (a Marketplace or foreign package), not the zone's account"
    return None


@resource_policy(
    "sagemaker-images-from-zone-registry",
    description="SageMaker models, jobs, algorithms and images use container images only from the zone's ECR "
                "registry, and model packages and algorithms only of the zone's account.",
    controls=["RAZ-AI-004"], types=list(_IMAGES))
def sagemaker_images_from_zone_registry(resource: ResourceView) -> Iterator[str]:
    account = zone_account(resource.settings)
    if account is None:
        yield (f"SageMaker {_name(resource)}: the zone's account is unknown, so its images cannot be held to the "
               "zone registry: set deployer_role_arn in the pack config.")
    for path in _IMAGES[resource.type]:
        for where, image in values_at(resource.props, path):
            if is_unknown(image):
                raise Unverifiable(where)
            problem = foreign_image(image if isinstance(image, str) else "", resource.settings, account)
            if problem:
                yield f"SageMaker {_name(resource)}: {where} '{image}' {problem}."
    for path in _PACKAGES.get(resource.type, ()):
        for where, name in values_at(resource.props, path):
            if is_unknown(name):
                raise Unverifiable(where)
            if name in (None, ""):
                continue
            problem = _foreign_package(str(name), resource)
            if problem:
                yield f"SageMaker {_name(resource)}: {where} '{name}' {problem}."
