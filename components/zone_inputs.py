"""The inputs of a RegulatedAiZone: plain, serialisable values with descriptions, shaped like the
`regzone:*` keys of a stack file (one zone and the stack-wide settings it reads).

The component provider (provider/__main__.py) serves these TypedDicts as the package schema: the
SDK's analyzer (pulumi/provider/experimental/analyzer.py) reads their annotations, the docstring under
each key as its description, `NotRequired[...]` as optional, and `Enum` classes as enums (single values
only: the SDK's ComponentProvider maps each list item of an enum type as an object, so lists of enum
values are lists of strings here, checked by the config model). It reads
annotations unevaluated, so this module must not use `from __future__ import annotations`. Every value
here is plain (known when the component is constructed) because the zone's shape depends on it; only
`autoscaling_role_arn` may be another resource's output.

One function, `zone_config`, turns the inputs into the validated config model (regzone/config/model.py),
so a program in any language gets the same checks and messages as a stack file; the Python program
builds its inputs from its stack config with `zone_inputs`.
"""
from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, NotRequired, TypedDict, get_args

import pulumi
from pydantic import ValidationError
from pulumi.provider.experimental.util import camel_case

from regzone.config.errors import ConfigError, key_path, problems_message, validation_problems
from regzone.config.loader import CONFIG_NAMESPACE
from regzone.config.model import Environment as EnvironmentName
from regzone.config.model import Zone, ZonesConfig
from regzone.instance_types import Confidential, NodeKind


def _enum(name: str, values: Any, doc: str) -> type[Enum]:
    """A string Enum with the values of a config Literal (the schema's enum; the model stays the source)."""
    members = {str(v).upper().replace("-", "_"): v for v in get_args(values)}
    enum = Enum(name, members, type=str, module=__name__)
    enum.__doc__ = doc
    return enum


Environment = _enum("Environment", EnvironmentName, "The stage a stack deploys (artifacts name the stages they "
                    "are approved for).")
NodeGroupKind = _enum("NodeGroupKind", NodeKind, "Whether a node group runs GPU or CPU instances.")
ConfidentialMode = _enum("ConfidentialMode", Confidential, "How a node group's workloads are isolated: Nitro "
                         "Enclaves (default for gpu), AMD SEV-SNP (default for cpu), or none.")
WorkloadKind = _enum("WorkloadKind", Literal["training", "inference", "batch_evaluation"],
                     "What an AI workload does.")
PkiKeyAlgorithm = _enum("PkiKeyAlgorithm", Literal["ECDSA_P384", "RSA_3072", "RSA_4096"],
                        "Key algorithm of the zone CA and its certificates.")
Ingress = _enum("Ingress", Literal["private_only"], "Ingress into the zone: private only (no public ingress).")
EgressDefault = _enum("EgressDefault", Literal["deny"], "Egress not on the allow-list is denied.")


class DataClassRuleArgs(TypedDict):
    """Where a data class may be processed and what its processing requires."""

    allowed_zones: list[str]
    """Names of the zones that may hold the class."""
    require_redacted_logs: NotRequired[bool]
    """Logs of workloads processing the class must be redacted."""
    require_private_ingress: NotRequired[bool]
    """Workloads processing the class accept private ingress only."""
    require_audit_logging: NotRequired[bool]
    """Access to the class is audit-logged."""
    require_network_segmentation: NotRequired[bool]
    """Workloads processing the class run in a segmented network."""
    prohibit_external_llm_calls: NotRequired[bool]
    """Workloads processing the class may not call external LLM APIs."""
    require_confidential_compute: NotRequired[bool]
    """The class is processed only on confidential compute, with keys released to attested enclaves."""
    require_model_guardrails: NotRequired[bool]
    """Prompts and completions of the class pass a Bedrock guardrail that masks or blocks personal data."""
    retention_days: NotRequired[int]
    """Days the class's data bucket keeps objects (lifecycle expiration)."""
    min_assurance_level: NotRequired[int]
    """Lowest assurance level (1-4) of a zone holding the class; required if the catalog has none, may only raise it."""


class EgressArgs(TypedDict):
    """The zone's egress firewall."""

    default: NotRequired[EgressDefault]
    """Egress not on the allow-list: deny (the only value)."""
    allowed_destinations: NotRequired[list[str]]
    """Allowed domains, Network Firewall form: `api.example.com` (that name), `.example.com` (+ subdomains); max 500."""
    air_gapped: NotRequired[bool]
    """No internet path at all (no NAT, no firewall); the allow-list must then be empty."""


class WorkloadRequirementsArgs(TypedDict):
    """What every workload of the zone must meet."""

    require_signed_images: NotRequired[bool]
    """Images must be signed (default true)."""
    require_encrypted_volumes: NotRequired[bool]
    """Volumes must be encrypted (default true)."""
    require_runtime_identity: NotRequired[bool]
    """Workloads must run with a runtime identity (default true)."""


class RegulatedAiZonePolicyArgs(TypedDict):
    """Ingress, egress and workload rules of the zone."""

    ingress: NotRequired[Ingress]
    """Ingress into the zone: private_only (the only value)."""
    egress: NotRequired[EgressArgs]
    """The egress firewall: deny by default, an allow-list of domains, or air-gapped."""
    workloads: NotRequired[WorkloadRequirementsArgs]
    """What every workload of the zone must meet."""


class WorkloadArgs(TypedDict):
    """An AI workload of the zone and the data classes it processes."""

    name: str
    """Workload name (a DNS label)."""
    kind: WorkloadKind
    """What the workload does."""
    data_classes: list[str]
    """Data classes the workload processes (keys of dataClassPolicy)."""


class PkiServiceArgs(TypedDict):
    """A service that gets a certificate from the zone CA."""

    name: str
    """Service name (a DNS label)."""
    dns_names: list[str]
    """DNS names of the certificate (`svc.example.internal` or `*.example.internal`)."""


class ZonePkiArgs(TypedDict):
    """The zone CA and its service certificates."""

    key_algorithm: NotRequired[PkiKeyAlgorithm]
    """Key algorithm (default ECDSA_P384)."""
    ca_validity_days: NotRequired[int]
    """CA validity in days, 30-3650 (default 1825)."""
    certificate_validity_days: NotRequired[int]
    """Service certificate validity in days, 1-397 (default 90)."""
    renew_before_days: NotRequired[int]
    """Renew certificates this many days before they expire (default 30)."""
    services: NotRequired[list[PkiServiceArgs]]
    """Services that get a certificate."""


class ArtifactIntakeArgs(TypedDict):
    """Intake record of one artifact promoted into the zone registry."""

    repository: str
    """Repository of the registry the artifact was promoted into."""
    tag: str
    """Immutable tag of the promoted image."""
    source: str
    """Where the artifact came from."""
    checksum: str
    """Digest of the promoted image, `sha256:<64 hex>`."""
    signer: str
    """Who signed the artifact."""
    approval: str
    """Change or approval reference."""
    permitted_environments: list[str]
    """Stages the artifact is approved for (dev, test, staging, prod); must include the stack's environment."""
    review_date: str
    """Next review date, YYYY-MM-DD; an overdue artifact is refused."""


class RegistryArgs(TypedDict):
    """The zone's restricted registry: promoted artifacts only, pulled only by the zone."""

    repositories: list[str]
    """Repository names (unique)."""
    promotion_role_arn: str
    """The only IAM role that pushes (promotes) artifacts."""
    pull_role_arns: NotRequired[list[str]]
    """IAM roles that pull besides the cluster's nodes; required without a cluster."""
    tag_exclusion_patterns: NotRequired[list[str]]
    """Tag patterns exempt from tag immutability (at most 5)."""
    untagged_expiry_days: NotRequired[int]
    """Days after which untagged images expire, 1-365 (default 14)."""
    replication_regions: NotRequired[list[str]]
    """Other allowed regions the registry replicates to."""
    artifacts: NotRequired[list[ArtifactIntakeArgs]]
    """Intake records of the promoted artifacts (device plugin images included)."""


class NodeScalingArgs(TypedDict):
    """Node group size."""

    min_size: NotRequired[int]
    """Minimum nodes, 0-100 (default 1)."""
    desired_size: NotRequired[int]
    """Desired nodes, between min and max (default 1)."""
    max_size: NotRequired[int]
    """Maximum nodes, 1-100 (default 2)."""


class EnclaveAllocationArgs(TypedDict):
    """What the Nitro Enclaves allocator reserves on each node of a nitro_enclaves group."""

    cpu_count: NotRequired[int]
    """vCPUs reserved for enclaves, at least 2 (default 2)."""
    memory_mib: NotRequired[int]
    """Memory reserved for enclaves in MiB, at least 64 (default 2048)."""


class GpuProcessingAcknowledgementArgs(TypedDict):
    """Recorded decision to run classes needing confidential compute on a GPU group (confidential_modes.yaml)."""

    data_classes: list[str]
    """Exactly the classes requiring confidential compute the group may run."""
    accepted_gaps: list[str]
    """Every gap of GPU parent instances (catalog/confidential_modes.yaml)."""
    approval: str
    """Approval reference (kept as the node group's tag value)."""
    approved_by: str
    """Who approved."""
    review_date: str
    """Next review date, YYYY-MM-DD."""


class NodeGroupArgs(TypedDict):
    """A managed node group built from a confidential-compute launch template."""

    name: str
    """Node group name (a DNS label, unique in the cluster)."""
    kind: NodeGroupKind
    """gpu or cpu."""
    instance_types: list[str]
    """Instance types, each supporting the group's kind and confidential mode."""
    confidential: NotRequired[ConfidentialMode]
    """Isolation of the group's workloads (default nitro_enclaves for gpu, sev_snp for cpu)."""
    data_classes: NotRequired[list[str]]
    """Data classes the group may run (default: every class of the zone's workloads)."""
    scaling: NotRequired[NodeScalingArgs]
    """Node group size."""
    volume_size_gib: NotRequired[int]
    """Root volume size in GiB, 20-16384 (default 100)."""
    enclave: NotRequired[EnclaveAllocationArgs]
    """nitro_enclaves groups only: the allocator's reservation."""
    gpu_processing_acknowledgement: NotRequired[GpuProcessingAcknowledgementArgs]
    """gpu groups that may run a class requiring confidential compute: the recorded acknowledgement."""


class ClusterAddonsArgs(TypedDict):
    """Pinned EKS add-on versions (`v<x.y.z>-eksbuild.<n>`)."""

    vpc_cni: str
    """vpc-cni add-on version."""
    coredns: str
    """coredns add-on version."""
    kube_proxy: str
    """kube-proxy add-on version; matches the Kubernetes version."""
    eks_pod_identity_agent: str
    """eks-pod-identity-agent add-on version."""


class ClusterArgs(TypedDict):
    """The zone's private EKS cluster."""

    kubernetes_version: NotRequired[str]
    """A Kubernetes version in EKS standard support, quoted (`"1.35"`); default from catalog/eks_versions.yaml."""
    admin_role_arns: list[str]
    """Cluster administrators (EKS access entries)."""
    addons: NotRequired[ClusterAddonsArgs]
    """Add-on versions (default: those catalog/eks_versions.yaml pins for the Kubernetes version)."""
    node_groups: NotRequired[list[NodeGroupArgs]]
    """Confidential-compute node groups."""


class EnclaveAttestationArgs(TypedDict):
    """Enclave measurements KMS requires in a request's attestation before the zone's enclave key decrypts."""

    image_sha384: NotRequired[list[str]]
    """Accepted enclave images (PCR0, 96 hex digits): one, or two while a new image rolls out."""
    pcrs: NotRequired[dict[str, list[str]]]
    """Further PCRs that must match (PCR1, PCR2, PCR3, PCR4, PCR8) and their accepted values."""


class ZoneArgs(TypedDict):
    """One regulated AI zone: the shape of an entry of `regzone:zones` in a stack file."""

    name: str
    """Zone name (a DNS label); data classes name it in allowedZones."""
    assurance_level: int
    """The zone's assurance level, 1-4 (docs/assurance-levels.md), at least the minimum of its data classes."""
    region: NotRequired[str]
    """AWS region of the zone (default: the stack-wide region); one of allowedRegions."""
    az_count: NotRequired[int]
    """Availability Zones, 2-6 (default 2)."""
    vpc_cidr: NotRequired[str]
    """Private IPv4 range of the zone VPC, /16 to /22 (default 10.40.0.0/16)."""
    audit_retention_days: NotRequired[int]
    """Audit log retention in days (default: the longest its frameworks require, at least 365)."""
    regulated_ai_zone: NotRequired[RegulatedAiZonePolicyArgs]
    """Ingress, egress and workload rules of the zone."""
    workloads: NotRequired[list[WorkloadArgs]]
    """The zone's AI workloads; their data classes decide data buckets, frameworks and retention."""
    registry: NotRequired[RegistryArgs]
    """Restricted registry (absent: not built)."""
    cluster: NotRequired[ClusterArgs]
    """Private EKS cluster with confidential node groups (absent: not built)."""
    pki: NotRequired[ZonePkiArgs]
    """The zone CA and its service certificates."""
    ssm_endpoints: NotRequired[bool]
    """Interface endpoints for SSM Session Manager (default false)."""
    key_administrators: list[str]
    """IAM roles or users that manage the zone keys and cannot use them."""
    key_users: list[str]
    """IAM roles or users that use the zone keys through the AWS services of each key's purpose."""
    enclave_attestation: NotRequired[EnclaveAttestationArgs]
    """Measurements of the enclaves the enclave key serves; required for classes needing confidential compute."""


class RegulatedAiZoneArgs(TypedDict):
    """One zone and the stack-wide settings it reads (the `regzone:*` keys of a stack file)."""

    region: str
    """Default AWS region of the zone; one of allowedRegions."""
    allowed_regions: list[str]
    """Regions where data may reside."""
    frameworks: NotRequired[list[str]]
    """Frameworks in scope besides those the zone's data classes bring in (SOX, HIPAA, PCI-DSS, GDPR)."""
    data_class_policy: dict[str, DataClassRuleArgs]
    """Data class name -> where it may be processed and what that requires."""
    deployer_role_arn: str
    """The IAM role that runs the deployment: kept able to manage the zone keys."""
    environment: NotRequired[Environment]
    """The stage this deployment is (default dev)."""
    zone: ZoneArgs
    """The zone."""
    autoscaling_role_arn: NotRequired[pulumi.Input[str]]
    """The account baseline's EC2 Auto Scaling service-linked role ARN; required when the zone has node groups."""


class ZoneInputError(ConfigError):
    """The inputs do not make a valid zone; `problems` lists (input path, what is wrong and what is valid)."""

    def __init__(self, name: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems_message(f"RegulatedAiZone {name}: invalid inputs", problems))
        self.problems = problems


# Config fields whose keys are the user's own names (data classes, PCRs), not schema properties.
_USER_KEYED = {"data_class_policy", "pcrs"}


def input_path(loc: tuple[Any, ...]) -> str:
    """A location in the config model as the provider schema names the input:
    `("zones", 0, "key_users", 1)` -> `zone.keyUsers[1]`, `("data_class_policy", "ephi")` -> `dataClassPolicy.ephi`."""
    if loc[:1] == ("zones",):
        loc = ("zone", *loc[2:])
    path, previous = "", None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = str(part) if previous in _USER_KEYED else camel_case(str(part))
            path += f".{name}" if path else name
        previous = part
    return path


def stack_config_path(index: int) -> Callable[[tuple[Any, ...]], str]:
    """Locations named as the stack-file keys of zone `index` (`regzone:zones[1].key_users[0]`)."""
    def path(loc: tuple[Any, ...]) -> str:
        return key_path(CONFIG_NAMESPACE, ("zones", index, *loc[2:]) if loc[:1] == ("zones",) else loc)
    return path


def _plain(value: Any) -> Any:
    """Enum members (the provider's form of enum inputs) as their values, recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _outputs(value: Any, loc: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Where `value` holds another resource's output (a value not known when the zone is constructed)."""
    if isinstance(value, pulumi.Output):
        return [loc]
    if isinstance(value, dict):
        return [where for k, v in value.items() for where in _outputs(v, (*loc, k))]
    if isinstance(value, list):
        return [where for i, v in enumerate(value) for where in _outputs(v, (*loc, i))]
    return []


def zone_config(name: str, args: RegulatedAiZoneArgs) -> tuple[ZonesConfig, Zone]:
    """The validated config of the zone the inputs describe; a ZoneInputError naming each bad input."""
    raw = _plain({key: value for key, value in args.items() if key not in ("zone", "autoscaling_role_arn")})
    raw["zones"] = [_plain(args.get("zone"))]
    unknown = _outputs(raw, ())
    if unknown:
        raise ZoneInputError(name, [(input_path(loc), "is another resource's output; the zone's resources depend on "
                                     "it, so it must be a plain value known when the zone is constructed")
                                    for loc in unknown])
    try:
        config = ZonesConfig.model_validate(raw)
    except ValidationError as err:
        raise ZoneInputError(name, validation_problems(err, raw, CONFIG_NAMESPACE, ZonesConfig, input_path)) from None
    return config, config.zones[0]


def zone_inputs(stack: ZonesConfig, zone: Zone,
                autoscaling_role_arn: pulumi.Input[str] | None = None) -> RegulatedAiZoneArgs:
    """The inputs that build `zone` of a validated stack config (what the Python program passes)."""
    def dump(model: Any) -> Any:
        return model.model_dump(mode="json", exclude_unset=True)
    inputs = RegulatedAiZoneArgs(
        region=stack.region, allowed_regions=list(stack.allowed_regions), frameworks=list(stack.frameworks),
        data_class_policy={c: dump(rule) for c, rule in stack.data_class_policy.items()},
        deployer_role_arn=stack.deployer_role_arn, environment=stack.environment, zone=dump(zone))
    if autoscaling_role_arn is not None:
        inputs["autoscaling_role_arn"] = autoscaling_role_arn
    return inputs
