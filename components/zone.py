"""RegulatedAiZone: one regulated AI zone assembled from the per-concern components.

Served to other Pulumi languages by the component provider (provider/__main__.py): the SDK reads the
schema from the annotations of `__init__`'s `args` (components/zone_inputs.py) and of this class (its
outputs), unevaluated, so this module must not use `from __future__ import annotations`.
"""
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from components.audit_bucket import AuditBucket, AuditBucketArgs
from components.audit_trail import AuditTrail, AuditTrailArgs
from components.data_buckets import DataBuckets, DataBucketsArgs
from components.cluster import AddonVersions, PrivateCluster, PrivateClusterArgs
from components.network import ZoneNetwork, ZoneNetworkArgs
from components.principal_checks import existing_principal, verified_deployer
from components.record_key import RecordKey, RecordKeyArgs
from components.node_groups import ConfidentialNodeGroup, ConfidentialNodeGroupArgs
from components.registry import ArtifactRecord, RestrictedRegistry, RestrictedRegistryArgs
from components.zone_keys import ZoneKeys, ZoneKeysArgs
from components.zone_pki import ServiceCertificate, ZonePki, ZonePkiArgs
from components.zone_inputs import RegulatedAiZoneArgs, ZoneInputError, input_path, zone_config
from regzone.config.model import Zone, ZonesConfig


class RegulatedAiZone(pulumi.ComponentResource):
    """A regulated AI zone on AWS: KMS keys, WORM audit storage and trail, private VPC, private EKS and registry."""

    # Inputs are validated like a stack file's `regzone:*` keys before any resource is registered; the
    # cluster (with confidential-compute node groups) and the registry are built when configured.

    key_arns: pulumi.Output[dict[str, str]]
    """ARNs of the zone's KMS keys by purpose (audit, data, secrets, volumes, artifacts, enclave, ...)."""
    vpc_id: pulumi.Output[str]
    """ID of the zone VPC."""
    vpc_cidr: str
    """IPv4 range of the zone VPC."""
    workload_subnet_ids: list[pulumi.Output[str]]
    """Private subnets where workloads run."""
    endpoints_security_group_id: pulumi.Output[str]
    """Security group of the zone's interface endpoints."""
    endpoint_subnet_cidrs: list[str]
    """Subnets holding the interface endpoints: what in-cluster NetworkPolicies let pods reach on 443."""
    audit_bucket_name: pulumi.Output[str]
    """The zone's WORM audit bucket."""
    trail_arn: pulumi.Output[str]
    """The zone's CloudTrail trail (S3 data events of the zone's data buckets)."""
    record_key_arn: pulumi.Output[str]
    """KMS key that signs deployment records of the zone."""
    cluster_name: pulumi.Output[str] | None
    """Name of the zone's EKS cluster (absent without a cluster)."""
    repository_urls: pulumi.Output[dict[str, str]] | None
    """Registry repository URLs by name (absent without a registry)."""

    def __init__(self, name: str, args: RegulatedAiZoneArgs, opts: pulumi.ResourceOptions | None = None, *,
                 config_path: Callable[[tuple[Any, ...]], str] = input_path) -> None:
        """`config_path` names a config location in messages (default: the input path, `zone.keyUsers[0]`;
        the Python program names its stack-file keys)."""
        stack, zone = zone_config(name, args)  # before anything is registered
        super().__init__("regzone:index:RegulatedAiZone", name, None, opts)
        region = stack.zone_region(zone)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke)
        has_nodes = zone.cluster is not None and bool(zone.cluster.node_groups)
        autoscaling_role_arn = args.get("autoscaling_role_arn")
        if has_nodes and autoscaling_role_arn is None:
            raise ZoneInputError(name, [(config_path(("autoscaling_role_arn",)),
                                         "is required: the zone has node groups, whose volumes key names it")])
        # Every policy below names principals only through these checks, so nothing is created
        # before the deploying identity and each configured principal are verified.
        deployer = verified_deployer(stack.deployer_role_arn, identity, config_path(("deployer_role_arn",)))
        principals = {where: existing_principal(deployer.apply(lambda _, arn=arn: arn),
                                                config_path(("zones", 0, *where)), opts=invoke)
                      for where, arn in zone.named_principals()}

        # The keys (protected and kept, and what every zone component encrypts with) also wait for
        # the principals only the cluster and registry name.
        all_checked = pulumi.Output.all(deployer, *principals.values()).apply(lambda checked: checked[0])
        self.keys: ZoneKeys = ZoneKeys(f"{name}-keys", ZoneKeysArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id, deployer=all_checked,
            partition=partition.partition,
            administrators=[principals[("key_administrators", k)] for k in range(len(zone.key_administrators))],
            users=[principals[("key_users", k)] for k in range(len(zone.key_users))],
            autoscaling_role_arn=autoscaling_role_arn if has_nodes else None,
            enclave_attestation=zone.enclave_attestation.conditions() if zone.enclave_attestation else None,
            producers=[principals[where] for where, _ in zone.named_principals()
                       if where[0] == "key_users" or where == ("registry", "promotion_role_arn")]), opts=child)
        # After the zone keys, so that it too waits for every principal check (the volumes key's included).
        self.record_key: RecordKey = RecordKey(f"{name}-record-key", RecordKeyArgs(
            zone_name=zone.name, account_id=identity.account_id, deployer=all_checked, partition=partition.partition,
            administrators=[principals[("key_administrators", k)] for k in range(len(zone.key_administrators))]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.keys]))
        self.pki: ZonePki = ZonePki(f"{name}-pki", ZonePkiArgs(
            zone_name=zone.name, secrets_key_arn=self.keys.key_arns["secrets"],
            key_algorithm=zone.pki.key_algorithm, ca_validity_days=zone.pki.ca_validity_days,
            certificate_validity_days=zone.pki.certificate_validity_days,
            renew_before_days=zone.pki.renew_before_days,
            services=[ServiceCertificate(s.name, s.dns_names) for s in zone.pki.services]), opts=child)
        retention_days = stack.zone_retention_days(zone)
        self.audit_bucket: AuditBucket = AuditBucket(f"{name}-audit", AuditBucketArgs(
            zone_name=zone.name, retention_days=retention_days, kms_key_arn=self.keys.key_arns["audit"],
            account_id=identity.account_id, partition=partition.partition), opts=child)
        self.data_buckets: DataBuckets = DataBuckets(f"{name}-data", DataBucketsArgs(
            zone_name=zone.name, kms_key_arn=self.keys.key_arns["data"],
            retention_days={c: stack.data_class_policy[c].retention_days for c in stack.zone_data_classes(zone)},
            access_log_bucket=self.audit_bucket.access_log_bucket.bucket), opts=child)
        self.audit_trail: AuditTrail = AuditTrail(f"{name}-trail", AuditTrailArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id, partition=partition.partition,
            bucket_name=self.audit_bucket.bucket.bucket, bucket_policy=self.audit_bucket.policy,
            kms_key_arn=self.keys.key_arns["audit"], retention_days=retention_days,
            data_bucket_arns=list(self.data_buckets.bucket_arns.values()),
            # The account baseline's trail records the management events (regzone:baseline_stack).
            records_management_events=False), opts=child)
        egress = zone.regulated_ai_zone.egress
        self.network: ZoneNetwork = ZoneNetwork(f"{name}-network", ZoneNetworkArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id, vpc_cidr=str(zone.vpc_cidr),
            az_count=zone.az_count, allowed_destinations=egress.allowed_destinations,
            air_gapped=egress.is_air_gapped, log_kms_key_arn=self.keys.key_arns["audit"],
            log_retention_days=stack.zone_retention_days(zone), ssm_endpoints=zone.ssm_endpoints,
            cluster=zone.cluster is not None, audit_bucket_arn=self.audit_bucket.bucket.arn,
            audit_bucket_policy=self.audit_bucket.policy,
            os_repositories=zone.cluster is not None and any(g.enclave_allocation for g in zone.cluster.node_groups)),
            opts=child)
        self.vpc_id = self.network.vpc_id
        self.vpc_cidr = self.network.vpc_cidr
        self.workload_subnet_ids = self.network.workload_subnet_ids
        self.endpoints_security_group_id = self.network.endpoints_security_group_id

        self._workloads(name, stack, zone, region, identity, partition, principals, deployer)

        self.key_arns = pulumi.Output.from_input(self.keys.key_arns)
        self.endpoint_subnet_cidrs = self.network.endpoint_subnet_cidrs
        self.audit_bucket_name = self.audit_bucket.bucket.bucket
        self.trail_arn = self.audit_trail.trail.arn
        self.record_key_arn = self.record_key.key.arn
        self.cluster_name = self.cluster.name if self.cluster is not None else None
        self.repository_urls = (pulumi.Output.from_input(self.registry.repository_urls)
                                if self.registry is not None else None)
        self.register_outputs({name: getattr(self, name) for name in self.__class__.__annotations__
                               if getattr(self, name) is not None})

    def _workloads(self, name: str, stack: ZonesConfig, zone: Zone, region: str, identity, partition,
                   principals: dict[tuple, pulumi.Output[str]], deployer: pulumi.Output[str]) -> None:
        """The private cluster and its confidential node groups, then the registry only they pull from."""
        child = pulumi.ResourceOptions(parent=self)
        self.cluster: PrivateCluster | None = None
        self.node_groups: list[ConfidentialNodeGroup] = []
        self.registry: RestrictedRegistry | None = None
        if zone.cluster is not None:
            self.cluster = PrivateCluster(f"{name}-eks", PrivateClusterArgs(
                zone_name=zone.name, region=region, kubernetes_version=zone.cluster.kubernetes_version,
                vpc_id=self.vpc_id, vpc_cidr=self.vpc_cidr, subnet_ids=self.workload_subnet_ids,
                secrets_key_arn=self.keys.key_arns["secrets"], logs_key_arn=self.keys.key_arns["audit"],
                log_retention_days=stack.zone_retention_days(zone),
                admin_role_arns=[principals[("cluster", "admin_role_arns", k)]
                                 for k in range(len(zone.cluster.admin_role_arns))],
                addons=AddonVersions(**zone.cluster.addons.model_dump()), account_id=identity.account_id,
                partition=partition.partition,
                allow_https_egress=not zone.regulated_ai_zone.egress.is_air_gapped,
                ssm_managed=zone.ssm_endpoints), opts=child)
            for group in zone.cluster.node_groups:
                self.node_groups.append(ConfidentialNodeGroup(f"{name}-{group.name}", ConfidentialNodeGroupArgs(
                    zone_name=zone.name, cluster_name=self.cluster.name, node_role_arn=self.cluster.node_role.arn,
                    node_security_group_id=self.cluster.node_security_group.id, subnet_ids=self.workload_subnet_ids,
                    volumes_key_arn=self.keys.key_arns["volumes"], kind=group.kind,
                    instance_types=group.instance_types, confidential=group.confidential_mode,
                    data_classes=stack.node_group_data_classes(zone, group),
                    confidential_required=stack.node_group_requires_confidential(zone, group),
                    min_size=group.scaling.min_size, desired_size=group.scaling.desired_size,
                    max_size=group.scaling.max_size, volume_size_gib=group.volume_size_gib,
                    kubernetes_version=zone.cluster.kubernetes_version,
                    enclave_cpu_count=group.enclave_allocation.cpu_count if group.enclave_allocation else None,
                    enclave_memory_mib=group.enclave_allocation.memory_mib if group.enclave_allocation else None,
                    gpu_acknowledgement=(group.gpu_processing_acknowledgement.approval
                                         if group.gpu_processing_acknowledgement else None)), opts=child))
            self.cluster.add_coredns(after=[g.node_group for g in self.node_groups],
                                     data_classes=stack.zone_data_classes(zone))
        if zone.registry is not None:
            registry = zone.registry
            pull = ([self.cluster.node_role.arn] if self.cluster else []) + [
                principals[("registry", "pull_role_arns", k)] for k in range(len(registry.pull_role_arns))]
            self.registry = RestrictedRegistry(f"{name}-registry", RestrictedRegistryArgs(
                zone_name=zone.name, region=region, repositories=registry.repositories,
                kms_key_arn=self.keys.key_arns["artifacts"],
                promotion_role_arn=principals[("registry", "promotion_role_arn")],
                deployer_role_arn=deployer, pull_principal_arns=pull,
                account_id=identity.account_id, partition=partition.partition,
                tag_exclusion_patterns=registry.tag_exclusion_patterns,
                untagged_expiry_days=registry.untagged_expiry_days, replication_regions=registry.replication_regions,
                key_administrators=[principals[("key_administrators", k)]
                                    for k in range(len(zone.key_administrators))],
                key_users=[principals[("key_users", k)] for k in range(len(zone.key_users))],
                # The account baseline owns registry scanning: the registry checks the live configuration.
                owns_registry_settings=False,
                artifacts=[ArtifactRecord(**a.model_dump(exclude={"review_date"}), review_date=a.review_date.isoformat())
                           for a in registry.artifacts]), opts=child)
