"""Typed zone config. Shapes follow what security teams already write (seed 001):
a `regulated_ai_zone` block per zone and a stack-wide `data_class_policy`.

Secure defaults: private ingress only, egress denied except the allow-list, signed images,
encrypted volumes and runtime identity required, retention at least what frameworks require.
"""
from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from components.subnet_plan import SubnetPlanError, plan_subnets
from regzone.assurance_levels import LEVELS, AssuranceLevel, assurance_levels
from regzone.attestation import CONDITION_PREFIX, IMAGE_KEY, NITRO_PCRS, measurement_problem
from regzone.catalog import FrameworkName, load_catalog, region_az_counts
from regzone.clock import today
from regzone.config.errors import KeyedError
from regzone.confidential_modes import gpu_parent_gaps
from regzone.device_plugins import device_plugins, plugins_for
from regzone.eks_versions import eks_calendar
from regzone.instance_types import Confidential, NodeKind, enclave_allocation_problem, instance_type_problem
from regzone.tags import CHANGE_REF_UNSET
from regzone.zone_stack import check_baseline_stack

# The account baseline labels its own resources (key aliases, trail, log group) like a zone of this name.
RESERVED_ZONE_NAME = "regzone-account"

_DNS_LABEL = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
_HOSTNAME = r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
# Network Firewall domain-list targets (RulesSourceList reference, `Targets`): an explicit name
# (`api.example.com` matches only that name) or a leading dot (`.example.com` matches example.com
# and all its subdomains). `*.example.com` is not one of the documented forms.
_FIREWALL_DOMAIN = re.compile(rf"^\.?{_HOSTNAME}$")
# Certificate DNS names: a hostname, or a `*.` wildcard in the leftmost label (RFC 6125).
_CERTIFICATE_NAME = re.compile(rf"^(\*\.)?{_HOSTNAME}$")


def _valid_region(region: str) -> str:
    known = region_az_counts()
    if region not in known:
        raise ValueError(f"unknown AWS region; valid: {', '.join(sorted(known))}")
    return region


def _valid_firewall_domain(domain: str) -> str:
    if domain.startswith("*."):
        raise ValueError(f"'*.' is not a Network Firewall domain form; valid: '.{domain[2:]}' (matches "
                         f"{domain[2:]} itself and every subdomain) or an explicit name such as "
                         f"'api.{domain[2:]}'")
    if len(domain) > 253 or not _FIREWALL_DOMAIN.match(domain):
        raise ValueError("not a valid domain name; valid: an explicit name 'api.example.com' or "
                         "'.example.com' (example.com and every subdomain)")
    return domain


def _valid_certificate_name(name: str) -> str:
    if len(name) > 253 or not _CERTIFICATE_NAME.match(name):
        raise ValueError("not a valid DNS name for a certificate; valid: 'svc.example.internal' or "
                         "'*.example.internal'")
    return name


Region = Annotated[str, AfterValidator(_valid_region)]
FirewallDomain = Annotated[str, AfterValidator(_valid_firewall_domain)]
CertificateName = Annotated[str, AfterValidator(_valid_certificate_name)]
Name = Annotated[str, Field(pattern=_DNS_LABEL)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Egress(_Strict):
    default: Literal["deny"] = "deny"
    # A Network Firewall rule group holds 1000 capacity units: one per domain and target type (SNI, Host).
    allowed_destinations: list[FirewallDomain] = Field(default=[], max_length=500)
    air_gapped: bool = False

    @model_validator(mode="after")
    def _air_gap_has_no_allow_list(self) -> "Egress":
        if self.air_gapped and self.allowed_destinations:
            raise KeyedError(("allowed_destinations",), "must be empty when air_gapped is true; "
                             "valid: remove the allow-list or set air_gapped: false")
        return self

    @property
    def is_air_gapped(self) -> bool:
        """No internet path at all: explicit, or implied by deny with nothing allowed."""
        return self.air_gapped or not self.allowed_destinations


class WorkloadRequirements(_Strict):
    require_signed_images: bool = True
    require_encrypted_volumes: bool = True
    require_runtime_identity: bool = True


class RegulatedAiZonePolicy(_Strict):
    ingress: Literal["private_only"] = "private_only"
    egress: Egress = Egress()
    workloads: WorkloadRequirements = WorkloadRequirements()


class DataClassRule(_Strict):
    allowed_zones: list[Name] = Field(min_length=1)
    require_redacted_logs: bool = False
    require_private_ingress: bool = False
    require_audit_logging: bool = False
    require_network_segmentation: bool = False
    prohibit_external_llm_calls: bool = False
    require_confidential_compute: bool = False
    # Prompts and completions of the class pass a Bedrock guardrail that masks or blocks personal data
    # (RAZ-AI-006, policy bedrock-guardrail-redaction).
    require_model_guardrails: bool = False
    retention_days: int | None = Field(default=None, ge=1)
    # The lowest assurance level a zone holding the class may declare: required for a class the
    # catalog does not know, may raise (never lower) the catalog's minimum (catalog/assurance_levels.yaml).
    min_assurance_level: AssuranceLevel | None = None


class Workload(_Strict):
    name: Name
    kind: Literal["training", "inference", "batch_evaluation"]
    data_classes: list[str] = Field(min_length=1)


class PkiService(_Strict):
    """A service that gets a certificate from the zone CA (for example the governed model gateway)."""

    name: Name
    dns_names: list[CertificateName] = Field(min_length=1)


class ZonePki(_Strict):
    """The zone CA and its service certificates; short leaf validity so that renewal is routine."""

    key_algorithm: Literal["ECDSA_P384", "RSA_3072", "RSA_4096"] = "ECDSA_P384"
    ca_validity_days: int = Field(default=1825, ge=30, le=3650)
    certificate_validity_days: int = Field(default=90, ge=1, le=397)
    renew_before_days: int = Field(default=30, ge=1)
    services: list[PkiService] = []

    @model_validator(mode="after")
    def _renewal_fits(self) -> "ZonePki":
        if self.renew_before_days >= self.certificate_validity_days:
            raise KeyedError(("renew_before_days",), "must be shorter than certificate_validity_days "
                             f"({self.certificate_validity_days}); valid: 1..{self.certificate_validity_days - 1}")
        if self.certificate_validity_days >= self.ca_validity_days:
            raise KeyedError(("certificate_validity_days",), "must be shorter than ca_validity_days "
                             f"({self.ca_validity_days}); valid: 1..{min(397, self.ca_validity_days - 1)}")
        names = [s.name for s in self.services]
        for i, service in enumerate(names):
            if names.index(service) != i:
                raise KeyedError(("services", i, "name"), "service names must be unique; "
                                 "valid: a name no other service uses")
        return self


# IAM roles or users named in the zone keys' policies (RAZ-KMS-003).
# The service whose service-linked role (AWSServiceRoleForAutoScaling) the volumes keys name.
AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"
KeyPrincipal = Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9_+=,.@/-]+$")]


def _partition_and_account(arn: str) -> tuple[str, str]:
    """`arn:<partition>:iam::<account>:...` -> (partition, account)."""
    parts = arn.split(":")
    return parts[1], parts[4]


ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$"
_ADDON_VERSION = r"^v\d+\.\d+\.\d+-eksbuild\.\d+$"
RoleArn = Annotated[str, Field(pattern=ROLE_ARN_PATTERN)]
AddonVersion = Annotated[str, Field(pattern=_ADDON_VERSION)]
Environment = Literal["dev", "test", "staging", "prod"]


class ArtifactIntake(_Strict):
    """Intake record of one promoted artifact (seed 001: source, checksum, signer, approval,
    permitted environments, review date), written to the registry's intake manifest."""

    repository: Annotated[str, Field(pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$")]
    tag: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    source: str = Field(min_length=1)
    checksum: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    signer: str = Field(min_length=1)
    approval: str = Field(min_length=1)
    permitted_environments: list[Environment] = Field(min_length=1)
    review_date: datetime.date

    @model_validator(mode="after")
    def _not_overdue(self) -> "ArtifactIntake":
        if self.review_date < today():
            raise KeyedError(("review_date",), "is in the past: the artifact is overdue for review and may not be "
                             "promoted; valid: a date from today on, after the review")
        return self


class Registry(_Strict):
    """The zone's restricted registry: promoted artifacts only, pulled only by the zone."""

    repositories: list[Annotated[str, Field(pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$")]] = Field(min_length=1)
    promotion_role_arn: RoleArn
    pull_role_arns: list[RoleArn] = []
    tag_exclusion_patterns: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.*-]{1,128}$")]] = Field(
        default=[], max_length=5)
    untagged_expiry_days: int = Field(default=14, ge=1, le=365)
    replication_regions: list[Region] = []
    artifacts: list[ArtifactIntake] = []

    @model_validator(mode="after")
    def _artifacts_in_repositories(self) -> "Registry":
        for i, name in enumerate(self.repositories):
            if self.repositories.index(name) != i:
                raise KeyedError(("repositories", i), "repository names must be unique; valid: a name not yet listed")
        for i, artifact in enumerate(self.artifacts):
            if artifact.repository not in self.repositories:
                raise KeyedError(("artifacts", i, "repository"), "is not one of the registry's repositories; "
                                 f"valid: {', '.join(self.repositories)}")
            for pattern in self.tag_exclusion_patterns:
                if fnmatch.fnmatchcase(artifact.tag, pattern):
                    raise KeyedError(("artifacts", i, "tag"), f"matches the mutable-tag exclusion {pattern!r}, so "
                                     "the promoted image could be overwritten; valid: an immutable tag")
        return self


class NodeScaling(_Strict):
    min_size: int = Field(default=1, ge=0, le=100)
    desired_size: int = Field(default=1, ge=0, le=100)
    max_size: int = Field(default=2, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "NodeScaling":
        if self.min_size > self.max_size:
            raise KeyedError(("min_size",), f"is greater than max_size ({self.max_size}); "
                             f"valid: 0..{self.max_size}, or raise max_size")
        if not self.min_size <= self.desired_size <= self.max_size:
            raise KeyedError(("desired_size",), f"must lie between min_size ({self.min_size}) and max_size "
                             f"({self.max_size}); valid: {self.min_size}..{self.max_size}")
        return self


class EnclaveAllocation(_Strict):
    """What the Nitro Enclaves allocator reserves for enclaves on each node of a nitro_enclaves group
    (/etc/nitro_enclaves/allocator.yaml), taken from the parent instance."""

    cpu_count: int = Field(default=2, ge=2)
    memory_mib: int = Field(default=2048, ge=64)


class GpuProcessingAcknowledgement(_Strict):
    """The recorded decision to let classes that require confidential compute be processed on a GPU
    group, whose parent instances lack what catalog/confidential_modes.yaml lists as the gaps of
    nitro_system (the enclave cannot use the GPU)."""

    data_classes: list[str] = Field(min_length=1)
    accepted_gaps: list[str] = Field(min_length=1)
    # Kept as the node group's tag value: what AWS tag values may hold (letters, digits, spaces, _.:/=+-@).
    approval: str = Field(pattern=r"^[A-Za-z0-9_ .:/=+@-]{1,256}$")
    approved_by: str = Field(min_length=1)
    review_date: datetime.date

    @model_validator(mode="after")
    def _not_overdue(self) -> "GpuProcessingAcknowledgement":
        if self.review_date < today():
            raise KeyedError(("review_date",), "is in the past: the acknowledgement is overdue for review; "
                             "valid: a date from today on, after the review")
        unknown = sorted(set(self.accepted_gaps) - set(gpu_parent_gaps()))
        if unknown:
            raise KeyedError(("accepted_gaps",), f"names {', '.join(unknown)}, which is not a gap of GPU parents; "
                             f"valid: {', '.join(gpu_parent_gaps())} (catalog/confidential_modes.yaml)")
        return self


class NodeGroup(_Strict):
    """A managed node group built from a confidential-compute launch template."""

    name: Name
    kind: NodeKind
    instance_types: list[str] = Field(min_length=1)
    # Secure default by kind: Nitro Enclaves for GPU groups, AMD SEV-SNP for CPU groups.
    confidential: Confidential | None = None
    # Data classes the group may run (node labels); default: every class of the zone's workloads.
    data_classes: list[str] | None = None
    scaling: NodeScaling = NodeScaling()
    volume_size_gib: int = Field(default=100, ge=20, le=16384)
    # nitro_enclaves groups only: the allocator's reservation (default: 2 vCPUs, 2048 MiB).
    enclave: EnclaveAllocation | None = None
    # gpu groups that may run a class requiring confidential compute: required, see the class.
    gpu_processing_acknowledgement: GpuProcessingAcknowledgement | None = None

    @property
    def confidential_mode(self) -> Confidential:
        if self.confidential is not None:
            return self.confidential
        return "nitro_enclaves" if self.kind == "gpu" else "sev_snp"

    @property
    def enclave_allocation(self) -> EnclaveAllocation | None:
        """The allocator's reservation on a nitro_enclaves group's nodes; None for other groups."""
        if self.confidential_mode != "nitro_enclaves":
            return None
        return self.enclave or EnclaveAllocation()

    @model_validator(mode="after")
    def _instance_types_fit(self) -> "NodeGroup":
        if self.kind == "gpu" and self.confidential_mode == "sev_snp":
            raise KeyedError(("confidential",), "no GPU instance type supports AMD SEV-SNP; "
                             "valid for gpu node groups: nitro_enclaves or none")
        for i, instance_type in enumerate(self.instance_types):
            problem = instance_type_problem(instance_type, kind=self.kind, confidential=self.confidential_mode)
            if problem:
                raise KeyedError(("instance_types", i), problem)
        if self.enclave is not None and self.confidential_mode != "nitro_enclaves":
            raise KeyedError(("enclave",), f"is only read for confidential: nitro_enclaves groups, and this group "
                             f"is {self.confidential_mode}; valid: remove it")
        allocation = self.enclave_allocation
        for instance_type in self.instance_types if allocation is not None else ():
            problem = enclave_allocation_problem(instance_type, cpu_count=allocation.cpu_count,
                                                 memory_mib=allocation.memory_mib)
            if problem:
                raise KeyedError(("enclave",), problem)
        return self


class ClusterAddons(_Strict):
    """Pinned EKS add-on versions; default: those catalog/eks_versions.yaml pins for the cluster's
    Kubernetes version (check with `aws eks describe-addon-versions` before bumping)."""

    vpc_cni: AddonVersion
    coredns: AddonVersion
    kube_proxy: AddonVersion
    eks_pod_identity_agent: AddonVersion


def _quoted_version(value: object) -> object:
    """YAML reads an unquoted 1.30 as the number 1.3: say so instead of "not a string"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError('is a number because YAML reads an unquoted version as one (1.30 becomes 1.3); '
                         'valid: a quoted version such as "1.33"')
    return value


class Cluster(_Strict):
    """The zone's private EKS cluster."""

    # A version in EKS standard support today (catalog/eks_versions.yaml); the cluster's upgrade
    # policy is STANDARD, so it never drifts into billed extended support.
    kubernetes_version: Annotated[str, BeforeValidator(_quoted_version), Field(pattern=r"^1\.\d{2}$")] = (
        eks_calendar().default)
    # Cluster administrators (EKS access entries); the creator gets no implicit admin rights.
    admin_role_arns: list[RoleArn] = Field(min_length=1)
    addons: ClusterAddons
    node_groups: list[NodeGroup] = []

    @model_validator(mode="before")
    @classmethod
    def _pinned_addons(cls, data):
        """Without `addons`, the versions the catalog pins for the cluster's Kubernetes version."""
        if isinstance(data, dict) and "addons" not in data:
            version = data.get("kubernetes_version", eks_calendar().default)
            if not isinstance(version, str):
                # The field's own validator says what is wrong with the version; the default pins keep
                # a second, misleading "addons required" out of the message.
                version = eks_calendar().default
            pins = eks_calendar().addons.get(version)
            if pins is None:
                raise KeyedError(("addons",), f"is required: catalog/eks_versions.yaml pins no add-on versions for "
                                 f"Kubernetes {version}; valid: set vpc_cni, coredns, kube_proxy and "
                                 "eks_pod_identity_agent (aws eks describe-addon-versions --kubernetes-version "
                                 f"{version})")
            data = {**data, "addons": pins.model_dump()}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "Cluster":
        problem = eks_calendar().version_problem(self.kubernetes_version, today())
        if problem:
            raise KeyedError(("kubernetes_version",), problem)
        names = [g.name for g in self.node_groups]
        for i, name in enumerate(names):
            if names.index(name) != i:
                raise KeyedError(("node_groups", i, "name"), "node group names must be unique; "
                                 "valid: a name no other node group uses")
        if not self.addons.kube_proxy.startswith(f"v{self.kubernetes_version}."):
            raise KeyedError(("addons", "kube_proxy"), f"does not match kubernetes_version "
                             f"{self.kubernetes_version}; valid: v{self.kubernetes_version}.<patch>-eksbuild.<n>")
        return self


def _measurement(value: str) -> str:
    problem = measurement_problem(value)
    if problem:
        raise ValueError(problem)
    return value.lower()


def _one_or_more(value: object) -> object:
    return [value] if isinstance(value, str) else value


Measurement = Annotated[str, AfterValidator(_measurement)]
Measurements = Annotated[list[Measurement], BeforeValidator(_one_or_more), Field(min_length=1)]


class EnclaveAttestation(_Strict):
    """The enclave measurements AWS KMS must find in the signed attestation document of a request
    (its `Recipient` parameter) before it decrypts with the zone's enclave key (condition keys
    kms:RecipientAttestation:ImageSha384 and kms:RecipientAttestation:PCR<n>, AWS KMS developer
    guide, "Condition keys for Nitro Enclaves"). Values are compared ignoring case."""

    # Accepted enclave images (PCR0): one, or two while a new image rolls out.
    image_sha384: list[Measurement] = []
    # Further PCRs that must match as well (Nitro Enclaves user guide, "Where to get an enclave's
    # measurements"): PCR1 kernel and bootstrap, PCR2 application, PCR3 the parent instance's IAM
    # role, PCR4 the parent instance, PCR8 the image's signing certificate.
    pcrs: dict[Literal[NITRO_PCRS], Measurements] = {}

    @model_validator(mode="after")
    def _measures_something(self) -> "EnclaveAttestation":
        if not self.image_sha384 and not self.pcrs:
            raise KeyedError(("image_sha384",), "is empty and so is pcrs, so any enclave would get the key; valid: "
                             "the image's PCR0 (nitro-cli describe-eif), optionally with PCR8 (signing certificate)")
        return self

    def conditions(self) -> dict[str, list[str]]:
        """Condition key -> accepted values, for key and IAM policies."""
        found = {IMAGE_KEY: list(self.image_sha384)} if self.image_sha384 else {}
        found.update({f"{CONDITION_PREFIX}{pcr}": list(values) for pcr, values in sorted(self.pcrs.items())})
        return found


def _levels_listed() -> str:
    return ", ".join(f"{n} ({assurance_levels().level(n).title})" for n in LEVELS)


class Zone(_Strict):
    name: Name
    # The zone's level on the maturity path (catalog/assurance_levels.yaml): which controls it must
    # meet. Required: a zone without one is refused, never read as level 1.
    assurance_level: AssuranceLevel
    region: Region | None = None
    az_count: int = Field(default=2, ge=2, le=6)
    vpc_cidr: ipaddress.IPv4Network = Field(default=ipaddress.IPv4Network("10.40.0.0/16"))
    audit_retention_days: int | None = Field(default=None, ge=1)
    regulated_ai_zone: RegulatedAiZonePolicy = RegulatedAiZonePolicy()
    workloads: list[Workload] = []
    # Restricted registry and private EKS cluster with confidential node groups (absent: not built).
    registry: Registry | None = None
    cluster: Cluster | None = None
    pki: ZonePki = ZonePki()
    # Interface endpoints for SSM (ssm, ssmmessages, ec2messages): Session Manager without internet.
    # Off by default: each endpoint costs one ENI per AZ and the zone's nodes need no shell access.
    ssm_endpoints: bool = False
    # Zone key principals: administrators manage the keys and cannot use them, users use them only
    # through the AWS services of each key's purpose. Both required: the account root in their
    # place would hold both duties, and a key policy that gives one principal both separates nothing.
    key_administrators: list[KeyPrincipal] = []
    key_users: list[KeyPrincipal] = []
    # The zone's enclave key (purpose `enclave`) releases data keys only to enclaves with these
    # measurements. Required when the zone holds a class that requires confidential compute.
    enclave_attestation: EnclaveAttestation | None = None

    @model_validator(mode="before")
    @classmethod
    def _level_declared(cls, data):
        if isinstance(data, dict) and "assurance_level" not in data:
            raise KeyedError(("assurance_level",), "is required: every zone declares its assurance level "
                             f"(catalog/assurance_levels.yaml, docs/assurance-levels.md); valid: {_levels_listed()}, "
                             "at least the minimum of the zone's data classes")
        return data

    def named_principals(self) -> list[tuple[tuple[Any, ...], str]]:
        """Every IAM principal the zone config names, with its key path relative to the zone. Policies
        that name them are refused unless they exist (checked at deploy time: components/zone.py)."""
        named: list[tuple[tuple[Any, ...], str]] = []
        named += [(("key_administrators", k), arn) for k, arn in enumerate(self.key_administrators)]
        named += [(("key_users", k), arn) for k, arn in enumerate(self.key_users)]
        if self.cluster is not None:
            named += [(("cluster", "admin_role_arns", k), arn) for k, arn in enumerate(self.cluster.admin_role_arns)]
        if self.registry is not None:
            named.append((("registry", "promotion_role_arn"), self.registry.promotion_role_arn))
            named += [(("registry", "pull_role_arns", k), arn) for k, arn in enumerate(self.registry.pull_role_arns)]
        return named

    def device_plugins_needed(self) -> dict[str, str]:
        """Each device plugin the zone's node groups need -> the first group that needs it."""
        needed: dict[str, str] = {}
        for group in self.cluster.node_groups if self.cluster is not None else []:
            for plugin in plugins_for(group.kind, group.confidential_mode):
                needed.setdefault(plugin, group.name)
        return needed

    def device_plugin_artifact(self, plugin: str) -> ArtifactIntake | None:
        """The intake record that promoted `plugin`'s pinned image into the zone registry."""
        image = device_plugins()[plugin].image
        artifacts = self.registry.artifacts if self.registry is not None else []
        return next((a for a in artifacts if a.source == image), None)

    @model_validator(mode="after")
    def _device_plugins_promoted(self) -> "Zone":
        """Nodes pull only from the zone registry: each plugin image must have been promoted there."""
        for plugin, group in self.device_plugins_needed().items():
            if self.device_plugin_artifact(plugin) is not None:
                continue
            image = device_plugins()[plugin].image
            what = (f"node group {group} needs the {plugin} device plugin, pinned to {image} "
                    "(catalog/device_plugins.yaml), and nodes pull only from the zone registry")
            if self.registry is None:
                raise KeyedError(("registry",), f"is required: {what}; valid: a registry whose artifacts record the "
                                 f"plugin's intake (source: {image}, checksum: the promoted image's digest)")
            raise KeyedError(("registry", "artifacts"), f"records no intake of {image}: {what}; valid: promote it "
                             "into one of the zone's repositories and add its record with source: "
                             f"{image} and checksum: sha256:<digest of the promoted image>")
        return self

    @model_validator(mode="after")
    def _key_duties_separate(self) -> "Zone":
        for duty, what in (("key_administrators", "manage the zone keys (never use them)"),
                           ("key_users", "use the zone keys through the AWS services of each key's purpose")):
            if not getattr(self, duty):
                raise KeyedError((duty,), f"is required and may not be empty: the zone keys need principals that "
                                 f"{what}; without them the account root would both administer and use the keys, "
                                 "which separates nothing (RAZ-KMS-003); valid: a list of IAM role or user ARNs of "
                                 "the deployer's account, disjoint from the other list")
        for i, principal in enumerate(self.key_users):
            if principal in self.key_administrators:
                raise KeyedError(("key_users", i), "is also in key_administrators: a key administrator must "
                                 "not use the keys; valid: a principal that is not a key administrator")
        return self

    @model_validator(mode="after")
    def _cidr_size(self) -> "Zone":
        if not 16 <= self.vpc_cidr.prefixlen <= 22:
            raise KeyedError(("vpc_cidr",), "is too small or too large; valid: a private range "
                             "from /16 to /22, so that it holds the zone's subnets in every AZ")
        if not self.vpc_cidr.is_private:
            raise KeyedError(("vpc_cidr",), "is not a private range; valid: inside 10.0.0.0/8, "
                             "172.16.0.0/12 or 192.168.0.0/16")
        try:
            plan_subnets(self.vpc_cidr, self.az_count, internet_egress=True)
        except SubnetPlanError as err:
            raise KeyedError(("vpc_cidr",), str(err)) from None
        return self


class ZonesConfig(_Strict):
    """The stack-wide settings the zones read (and the zones): what a RegulatedAiZone is built from,
    whether from a stack file or from a component provider's inputs (components/zone_inputs.py)."""

    region: Region
    allowed_regions: list[Region] = Field(min_length=1)
    frameworks: list[FrameworkName] = []
    data_class_policy: dict[str, DataClassRule] = Field(min_length=1)
    zones: list[Zone] = Field(min_length=1)
    # The IAM role that runs `pulumi up`. Key policies keep it able to manage the zone keys (KMS's
    # lockout safety check refuses a policy that would lock the caller out) and give it what AWS
    # performs as the caller when a resource uses a key; resource policies exempt it from their
    # write denies. Required: without it explicit key administrators would lock the deployer out.
    deployer_role_arn: RoleArn
    environment: Literal["dev", "test", "staging", "prod"] = "dev"

    def zone_region(self, zone: Zone) -> str:
        return zone.region or self.region

    def zone_data_classes(self, zone: Zone) -> list[str]:
        return sorted({c for w in zone.workloads for c in w.data_classes})

    def zone_frameworks(self, zone: Zone) -> list[str]:
        """Frameworks that apply to a zone: those declared plus those its data classes bring in."""
        implied = load_catalog().data_class_frameworks
        names = set(self.frameworks)
        for data_class in self.zone_data_classes(zone):
            names.update(implied.get(data_class, []))
        return sorted(names)

    def zone_retention_days(self, zone: Zone) -> int:
        required = load_catalog().min_retention_days(self.zone_frameworks(zone))
        return zone.audit_retention_days or max(required, 365)

    @model_validator(mode="after")
    def _cross_checks(self) -> "ZonesConfig":
        self._check_residency()
        self._check_zones_unique_and_disjoint()
        self._check_az_counts()
        self._check_workload_placement()
        self._check_class_minimums()
        self._check_assurance_levels()
        self._check_retention()
        self._check_registry()
        self._check_node_groups()
        self._check_zone_trails()
        self._check_principals()
        return self

    def _check_zone_trails(self) -> None:
        """A zone trail records the zone's S3 data events; the account baseline's trail records the
        management events. A zone without data classes has no data buckets, so its trail would
        record nothing (CloudTrail refuses nothing, but bills and counts it: 5 trails per Region)."""
        for i, z in enumerate(self.zones):
            if not self.zone_data_classes(z):
                raise KeyedError(("zones", i, "workloads"), "is empty, so the zone has no data buckets and its trail "
                                 "would record nothing (the account baseline's trail records management events); "
                                 "valid: workloads with data classes")

    def node_group_data_classes(self, zone: Zone, group: NodeGroup) -> list[str]:
        """The data classes a node group may run: its own list, or every class of the zone's workloads."""
        return sorted(group.data_classes) if group.data_classes is not None else self.zone_data_classes(zone)

    def strict_classes(self, classes: list[str]) -> list[str]:
        """Those of `classes` whose rule requires confidential compute."""
        return [c for c in classes if c in self.data_class_policy and self.data_class_policy[c].require_confidential_compute]

    def node_group_requires_confidential(self, zone: Zone, group: NodeGroup) -> bool:
        return bool(self.strict_classes(self.node_group_data_classes(zone, group)))

    def _check_registry(self) -> None:
        for i, zone in enumerate(self.zones):
            if zone.registry is None:
                continue
            if zone.cluster is None and not zone.registry.pull_role_arns:
                raise KeyedError(("zones", i, "registry", "pull_role_arns"), "is empty and the zone has no cluster, "
                                 "so nothing could pull; valid: the workload role ARNs that pull, or a `cluster`")
            for k, artifact in enumerate(zone.registry.artifacts):
                if self.environment not in artifact.permitted_environments:
                    raise KeyedError(("zones", i, "registry", "artifacts", k, "permitted_environments"),
                                     f"does not include this stack's environment {self.environment!r}: the artifact "
                                     f"is not approved for it; valid: add {self.environment!r} after approval or "
                                     "remove the artifact")
            if len(set(zone.registry.replication_regions)) != len(zone.registry.replication_regions):
                raise KeyedError(("zones", i, "registry", "replication_regions"), "lists a region twice; "
                                 "valid: each destination region once")
            for k, region in enumerate(zone.registry.replication_regions):
                if region not in self.allowed_regions or region == self.zone_region(zone):
                    others = [r for r in self.allowed_regions if r != self.zone_region(zone)]
                    raise KeyedError(("zones", i, "registry", "replication_regions", k),
                                     "is not another allowed region; valid: "
                                     f"{', '.join(others) or 'none (no other region is allowed)'}")

    def _check_node_groups(self) -> None:
        for i, zone in enumerate(self.zones):
            held = self.zone_data_classes(zone)
            for k, group in enumerate(zone.cluster.node_groups if zone.cluster is not None else []):
                where = ("zones", i, "cluster", "node_groups", k)
                for n, data_class in enumerate(group.data_classes or []):
                    if data_class not in held:
                        raise KeyedError(where + ("data_classes", n), "is not a data class of this zone's "
                                         f"workloads; valid: {', '.join(held) or 'none (the zone has no workloads)'}")
                strict = self.strict_classes(self.node_group_data_classes(zone, group))
                if group.confidential_mode == "none" and strict:
                    raise KeyedError(where + ("confidential",), f"data class {strict[0]} requires confidential "
                                     f"compute (data_class_policy.{strict[0]}.require_confidential_compute); "
                                     "valid: nitro_enclaves (gpu) or sev_snp (cpu)")
                self._check_gpu_acknowledgement(group, strict, where)
            self._check_enclave_attestation(i, zone)

    def _check_gpu_acknowledgement(self, group: NodeGroup, strict: list[str], where: tuple) -> None:
        """A GPU workload runs in the parent instance (the enclave cannot use the GPU), which lacks
        what catalog/confidential_modes.yaml lists: a class requiring confidential compute may run
        there only under a recorded acknowledgement of every gap, for exactly those classes."""
        ack, key = group.gpu_processing_acknowledgement, where + ("gpu_processing_acknowledgement",)
        gaps = gpu_parent_gaps()
        if group.kind != "gpu" or not strict:
            if ack is not None:
                raise KeyedError(key, "is only read for gpu groups that may run a class requiring confidential "
                                 "compute, and this group is not one; valid: remove it")
            return
        if ack is None:
            raise KeyedError(key, f"is required: data class {strict[0]} requires confidential compute, and on a gpu "
                             f"group it is processed in the parent instance, which does not guarantee: "
                             f"{', '.join(gaps)} (catalog/confidential_modes.yaml, nitro_system); valid: an "
                             f"acknowledgement with data_classes {strict}, accepted_gaps {gaps}, approval, "
                             "approved_by and review_date, or a cpu group with sev_snp")
        if sorted(ack.data_classes) != sorted(strict):
            raise KeyedError(key + ("data_classes",), f"must name exactly the classes requiring confidential "
                             f"compute that the group may run; valid: {strict}")
        missing = sorted(set(gaps) - set(ack.accepted_gaps))
        if missing:
            raise KeyedError(key + ("accepted_gaps",), f"does not accept {', '.join(missing)}; valid: every gap "
                             f"of GPU parents, {gaps}")

    def _check_enclave_attestation(self, index: int, zone: Zone) -> None:
        """A zone holding a class that requires confidential compute releases its keys only to attested
        enclaves, which need a node group that can run them."""
        strict = self.strict_classes(self.zone_data_classes(zone))
        if strict and zone.enclave_attestation is None:
            raise KeyedError(("zones", index, "enclave_attestation"), f"is required: data class {strict[0]} requires "
                             "confidential compute, so its model and data keys are released only to attested "
                             "enclaves; valid: image_sha384 (the enclave image's PCR0, nitro-cli describe-eif), "
                             "optionally pcrs")
        groups = zone.cluster.node_groups if zone.cluster is not None else []
        if zone.enclave_attestation is not None and not any(g.confidential_mode == "nitro_enclaves" for g in groups):
            raise KeyedError(("zones", index, "enclave_attestation"), "is set but no node group of the zone runs "
                             "Nitro Enclaves, so no enclave could attest; valid: a cluster node group with "
                             "confidential: nitro_enclaves")

    def _check_principals(self) -> None:
        """Principals live in the deployer's account: the deploy-time existence check lists IAM roles
        and users of the deploying account only. The deployer is no key user: it may use the keys
        only as catalog/key_caller_permissions.yaml lists."""
        home = _partition_and_account(self.deployer_role_arn)
        for i, zone in enumerate(self.zones):
            for where, arn in zone.named_principals():
                if _partition_and_account(arn) != home:
                    raise KeyedError(("zones", i, *where), f"is not in the account of deployer_role_arn ({home[1]}, "
                                     f"partition {home[0]}): principals are checked in the deploying account "
                                     "before any policy names them; valid: a role or user of that account")
            for k, arn in enumerate(zone.key_users):
                if arn == self.deployer_role_arn:
                    raise KeyedError(("zones", i, "key_users", k), "is deployer_role_arn, which uses the keys only "
                                     "as AWS does as the caller (catalog/key_caller_permissions.yaml); valid: a "
                                     "workload or operator role that is not the deployer")

    def _check_residency(self) -> None:
        allowed = set(self.allowed_regions)
        if self.region not in allowed:
            raise KeyedError(("region",), "is outside allowed_regions; "
                             f"valid: {', '.join(self.allowed_regions)}")
        for i, zone in enumerate(self.zones):
            if zone.name == RESERVED_ZONE_NAME:
                raise KeyedError(("zones", i, "name"), f"{RESERVED_ZONE_NAME!r} labels the account baseline's own "
                                 "keys, trail and log group; valid: another name")
            if zone.region and zone.region not in allowed:
                raise KeyedError(("zones", i, "region"), "is outside allowed_regions; "
                                 f"valid: {', '.join(self.allowed_regions)}")

    def _check_zones_unique_and_disjoint(self) -> None:
        names = [z.name for z in self.zones]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise KeyedError(("zones", names.index(duplicates[0], names.index(duplicates[0]) + 1), "name"),
                             "zone names must be unique; valid: a name no other zone uses")
        for i, a in enumerate(self.zones):
            for j in range(i + 1, len(self.zones)):
                b = self.zones[j]
                if a.vpc_cidr.overlaps(b.vpc_cidr):
                    raise KeyedError(("zones", j, "vpc_cidr"), f"overlaps {a.vpc_cidr} of zone {a.name!r}; "
                                     "valid: a range disjoint from every other zone's vpc_cidr")

    def _check_az_counts(self) -> None:
        counts = region_az_counts()
        for i, zone in enumerate(self.zones):
            region = self.zone_region(zone)
            if zone.az_count > counts[region]:
                raise KeyedError(("zones", i, "az_count"), f"exceeds the {counts[region]} Availability "
                                 f"Zones of {region}; valid: 2..{counts[region]}")

    def _check_workload_placement(self) -> None:
        classes = sorted(self.data_class_policy)
        for i, zone in enumerate(self.zones):
            for k, workload in enumerate(zone.workloads):
                for data_class in workload.data_classes:
                    rule = self.data_class_policy.get(data_class)
                    where = ("zones", i, "workloads", k, "data_classes", workload.data_classes.index(data_class))
                    if rule is None:
                        raise KeyedError(where, "unknown data class; valid (from data_class_policy): "
                                         f"{', '.join(classes)}")
                    if zone.name not in rule.allowed_zones:
                        raise KeyedError(where, f"data class is not allowed in zone {zone.name!r}; valid zones "
                                         f"(data_class_policy.{data_class}.allowed_zones): "
                                         f"{', '.join(rule.allowed_zones)}")

    def class_minimum_level(self, data_class: str) -> int | None:
        """The lowest assurance level a zone holding `data_class` may declare (None: nobody says)."""
        rule = self.data_class_policy.get(data_class)
        return assurance_levels().class_minimum(data_class, rule.min_assurance_level if rule else None)

    def zone_minimum_level(self, zone: Zone) -> tuple[int, str | None]:
        """(the lowest level the zone may declare, the data class that sets it; None: no class does)."""
        minimums = [(self.class_minimum_level(c) or 1, c) for c in self.zone_data_classes(zone)]
        level, data_class = max(minimums, key=lambda m: m[0], default=(1, None))
        return level, data_class if level > 1 else None

    def _check_class_minimums(self) -> None:
        levels = assurance_levels()
        for name, rule in sorted(self.data_class_policy.items()):
            catalog = levels.data_class_minimums.get(name)
            where = ("data_class_policy", name, "min_assurance_level")
            if catalog is None and rule.min_assurance_level is None:
                raise KeyedError(where, f"is required: {name} is not a data class of the catalog "
                                 "(catalog/controls.yaml data_class_frameworks), so no minimum assurance level is "
                                 f"known for it; valid: {_levels_listed()}")
            if catalog is not None and rule.min_assurance_level is not None and rule.min_assurance_level < catalog.level:
                raise KeyedError(where, f"is below the catalog's minimum for {name}, level {catalog.level} "
                                 f"({catalog.rationale}); valid: {catalog.level}..{LEVELS[-1]}, or remove the key")

    def _check_assurance_levels(self) -> None:
        """A zone sits at or above the minimum level of every data class it holds."""
        for i, zone in enumerate(self.zones):
            needed, data_class = self.zone_minimum_level(zone)
            if zone.assurance_level < needed:
                title = assurance_levels().level(needed).title
                raise KeyedError(("zones", i, "assurance_level"), f"zone {zone.name} is at level "
                                 f"{zone.assurance_level}, but it holds data class {data_class}, which needs level "
                                 f"{needed} ({title}) or higher (catalog/assurance_levels.yaml); valid: "
                                 f"{', '.join(str(n) for n in LEVELS if n >= needed)}, or move {data_class} to a "
                                 "zone at that level")

    def _check_retention(self) -> None:
        catalog = load_catalog()
        for i, zone in enumerate(self.zones):
            if zone.audit_retention_days is None:
                continue
            frameworks = self.zone_frameworks(zone)
            required = catalog.min_retention_days(frameworks)
            if zone.audit_retention_days < required:
                strictest = max(frameworks, key=lambda f: catalog.frameworks[f].min_audit_retention_days)
                raise KeyedError(("zones", i, "audit_retention_days"), f"is shorter than {strictest} "
                                 f"requires; valid: >= {required} days")


class StackConfig(ZonesConfig):
    """Everything under the `regzone:` namespace of a stack file: the zones' settings and what the
    stack program adds around them (provider default tags, the account baseline it reads)."""

    # Former keys for account-wide singletons, now the account baseline's (docs/baseline.md): a stack
    # that still sets one is told where it went, instead of an unknown-key error.
    moved_keys: ClassVar[dict[str, str]] = {
        "autoscaling_service_linked_role": "the EC2 Auto Scaling service-linked role is the account baseline's: set "
                                           "regzone-baseline:autoscaling_service_linked_role (create or existing)",
        "registry_settings_owner": "ECR registry scanning and replication are the account baseline's, for every "
                                   "zone stack it lists in regzone-baseline:zone_stacks",
        "management_events": "the management-event trail is the account baseline's (or an organization trail: "
                             "regzone-baseline:organization_trail_arn)",
    }

    owner: str = Field(min_length=1)
    # The account baseline stack of the account the zones deploy into (baseline/Pulumi.<stack>.yaml):
    # it owns what exists once per account (the management-event trail, the S3 account public access
    # block, EBS encryption by default, Access Analyzer, ECR registry scanning and replication, the
    # EC2 Auto Scaling service-linked role); the zones reference its outputs and create none of them.
    baseline_stack: Annotated[str, AfterValidator(check_baseline_stack)]
    change_ref: str = Field(default=CHANGE_REF_UNSET, min_length=1)
