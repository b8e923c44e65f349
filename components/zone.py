"""RegulatedAiZone: one regulated AI zone assembled from the per-concern components."""
from __future__ import annotations

from dataclasses import dataclass

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
from regzone.config import StackConfig, Zone
from regzone.config.errors import key_path
from regzone.config.loader import CONFIG_NAMESPACE


@dataclass
class RegulatedAiZoneArgs:
    stack: StackConfig
    zone: Zone
    # The account's EC2 Auto Scaling service-linked role (components/autoscaling_role.py), owned by the
    # account baseline; required when the zone has node groups (their volumes key names it).
    autoscaling_role_arn: pulumi.Input[str] | None = None


class RegulatedAiZone(pulumi.ComponentResource):
    """A zone: keys first (everything else encrypts with them), then the components that use them."""

    keys: ZoneKeys
    record_key: RecordKey
    pki: ZonePki
    audit_bucket: AuditBucket
    data_buckets: DataBuckets
    audit_trail: AuditTrail
    network: ZoneNetwork
    # What workload components build on (from `network`).
    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    workload_subnet_ids: list[pulumi.Output[str]]
    endpoints_security_group_id: pulumi.Output[str]
    # Where AI workloads run (absent when the zone config has no `cluster` / `registry`).
    cluster: PrivateCluster | None
    node_groups: list[ConfidentialNodeGroup]
    registry: RestrictedRegistry | None

    def __init__(self, name: str, args: RegulatedAiZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:index:RegulatedAiZone", name, None, opts)
        zone, stack = args.zone, args.stack
        region = stack.zone_region(zone)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke)
        has_nodes = zone.cluster is not None and bool(zone.cluster.node_groups)
        if has_nodes and args.autoscaling_role_arn is None:
            raise ValueError(f"RegulatedAiZone {name}: the zone has node groups but no autoscaling_role_arn")
        # Every policy below names principals only through these checks, so nothing is created
        # before the deploying identity and each configured principal are verified.
        deployer = verified_deployer(stack.deployer_role_arn, identity)
        index = stack.zones.index(zone)
        principals = {where: existing_principal(deployer.apply(lambda _, arn=arn: arn),
                                                key_path(CONFIG_NAMESPACE, ("zones", index, *where)), opts=invoke)
                      for where, arn in zone.named_principals()}

        # The keys (protected and kept, and what every zone component encrypts with) also wait for
        # the principals only the cluster and registry name.
        all_checked = pulumi.Output.all(deployer, *principals.values()).apply(lambda checked: checked[0])
        self.keys = ZoneKeys(f"{name}-keys", ZoneKeysArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id, deployer=all_checked,
            partition=partition.partition,
            administrators=[principals[("key_administrators", k)] for k in range(len(zone.key_administrators))],
            users=[principals[("key_users", k)] for k in range(len(zone.key_users))],
            autoscaling_role_arn=args.autoscaling_role_arn if has_nodes else None,
            enclave_attestation=zone.enclave_attestation.conditions() if zone.enclave_attestation else None,
            producers=[principals[where] for where, _ in zone.named_principals()
                       if where[0] == "key_users" or where == ("registry", "promotion_role_arn")]), opts=child)
        # After the zone keys, so that it too waits for every principal check (the volumes key's included).
        self.record_key = RecordKey(f"{name}-record-key", RecordKeyArgs(
            zone_name=zone.name, account_id=identity.account_id, deployer=all_checked, partition=partition.partition,
            administrators=[principals[("key_administrators", k)] for k in range(len(zone.key_administrators))]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.keys]))
        self.pki = ZonePki(f"{name}-pki", ZonePkiArgs(
            zone_name=zone.name, secrets_key_arn=self.keys.key_arns["secrets"],
            key_algorithm=zone.pki.key_algorithm, ca_validity_days=zone.pki.ca_validity_days,
            certificate_validity_days=zone.pki.certificate_validity_days,
            renew_before_days=zone.pki.renew_before_days,
            services=[ServiceCertificate(s.name, s.dns_names) for s in zone.pki.services]), opts=child)
        retention_days = stack.zone_retention_days(zone)
        self.audit_bucket = AuditBucket(f"{name}-audit", AuditBucketArgs(
            zone_name=zone.name, retention_days=retention_days, kms_key_arn=self.keys.key_arns["audit"],
            account_id=identity.account_id, partition=partition.partition), opts=child)
        self.data_buckets = DataBuckets(f"{name}-data", DataBucketsArgs(
            zone_name=zone.name, kms_key_arn=self.keys.key_arns["data"],
            retention_days={c: stack.data_class_policy[c].retention_days for c in stack.zone_data_classes(zone)},
            access_log_bucket=self.audit_bucket.access_log_bucket.bucket), opts=child)
        self.audit_trail = AuditTrail(f"{name}-trail", AuditTrailArgs(
            zone_name=zone.name, region=region, account_id=identity.account_id, partition=partition.partition,
            bucket_name=self.audit_bucket.bucket.bucket, bucket_policy=self.audit_bucket.policy,
            kms_key_arn=self.keys.key_arns["audit"], retention_days=retention_days,
            data_bucket_arns=list(self.data_buckets.bucket_arns.values()),
            # The account baseline's trail records the management events (regzone:baseline_stack).
            records_management_events=False), opts=child)
        egress = zone.regulated_ai_zone.egress
        self.network = ZoneNetwork(f"{name}-network", ZoneNetworkArgs(
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

        self.register_outputs({"key_arns": self.keys.key_arns})

    def _workloads(self, name: str, stack: StackConfig, zone: Zone, region: str, identity, partition,
                   principals: dict[tuple, pulumi.Output[str]], deployer: pulumi.Output[str]) -> None:
        """The private cluster and its confidential node groups, then the registry only they pull from."""
        child = pulumi.ResourceOptions(parent=self)
        self.cluster, self.node_groups, self.registry = None, [], None
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
