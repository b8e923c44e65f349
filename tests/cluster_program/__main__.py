"""A test program: the registry, cluster and node-group components with literal arguments, no zone."""
import json

import pulumi

from components.cluster import AddonVersions, PrivateCluster, PrivateClusterArgs
from components.node_groups import ConfidentialNodeGroup, ConfidentialNodeGroupArgs
from components.registry import ArtifactRecord, RestrictedRegistry, RestrictedRegistryArgs
from regzone.eks_versions import eks_calendar

ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/"
SUBNETS = ["subnet-aaaa", "subnet-bbbb"]
options = json.loads(pulumi.Config("test").get("options") or "{}")

cluster = PrivateCluster("t-eks", PrivateClusterArgs(
    zone_name="t", region="eu-west-1", kubernetes_version=eks_calendar().default, vpc_id="vpc-1234", vpc_cidr="10.40.0.0/16",
    subnet_ids=SUBNETS, secrets_key_arn=KEY + "secrets", logs_key_arn=KEY + "audit", log_retention_days=400,
    admin_role_arns=[f"arn:aws:iam::{ACCOUNT}:role/platform-admin"],
    addons=AddonVersions(**eks_calendar().addons[eks_calendar().default].model_dump()), account_id=ACCOUNT,
    allow_https_egress=options.get("allow_https_egress", False), ssm_managed=options.get("ssm", False)))
groups = []
for name, kind, types, mode, *extra in options.get("groups", [["gpu", "gpu", ["g5.2xlarge"], "nitro_enclaves"],
                                                             ["cpu", "cpu", ["m6a.2xlarge"], "sev_snp"]]):
    enclave = {"enclave_cpu_count": 2, "enclave_memory_mib": 2048} if mode == "nitro_enclaves" else {}
    groups.append(ConfidentialNodeGroup(f"t-{name}", ConfidentialNodeGroupArgs(
        zone_name="t", cluster_name=cluster.name, node_role_arn=cluster.node_role.arn,
        node_security_group_id=cluster.node_security_group.id, subnet_ids=SUBNETS, volumes_key_arn=KEY + "volumes",
        kind=kind, instance_types=types, confidential=mode, data_classes=["ephi"], confidential_required=True,
        kubernetes_version=eks_calendar().default, **{**enclave, **(extra[0] if extra else {})})))
cluster.add_coredns(after=[g.node_group for g in groups], data_classes=["ephi"])
RestrictedRegistry("t-registry", RestrictedRegistryArgs(
    zone_name="t", region="eu-west-1", repositories=["models/summarizer", "serving"], kms_key_arn=KEY + "artifacts",
    promotion_role_arn=f"arn:aws:iam::{ACCOUNT}:role/promotion", pull_principal_arns=[cluster.node_role.arn],
    deployer_role_arn=f"arn:aws:iam::{ACCOUNT}:role/deployer",
    account_id=ACCOUNT, tag_exclusion_patterns=options.get("exclusions", []),
    replication_regions=options.get("replication", []), key_users=options.get("key_users", []),
    key_administrators=options.get("key_administrators", []),
    owns_registry_settings=options.get("owns_registry_settings", True),
    artifacts=[ArtifactRecord(repository="models/summarizer", tag="v1.2.0", source="https://hub.example.com/m",
                              checksum="sha256:" + "a" * 64, signer="ml-release@example.com", approval="CHG-1",
                              permitted_environments=["dev"], review_date="2027-06-30")]))
pulumi.export("cluster", {"name": cluster.name, "endpoint": cluster.endpoint})
