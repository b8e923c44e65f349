"""Registry, private cluster and confidential node groups under mocks, with literal arguments
(tests/cluster_program): the wire inputs and options every control depends on."""
import fnmatch
import json

import pytest

from regzone_core.registry_scanning import scanning_problem
from regzone.paths import REPO_ROOT
from regzone.preview import recorder
from regzone.preview.mocks import REGISTRY_SCANNING, ZoneMocks
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


def test_cluster_role_trusts_eks_only_for_this_cluster(program):
    """EKS documents aws:SourceArn/aws:SourceAccount for the cluster role (confused deputy)."""
    role = of_type(program, "aws:iam/role:Role")["t-eks-cluster-role"]
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"},
                                  "ArnEquals": {"aws:SourceArn": "arn:aws:eks:eu-west-1:111122223333:cluster/t-eks"}}


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


def test_system_addons_run_on_nodes_tainted_per_data_class(program):
    """Every node group is tainted per class it holds: CoreDNS (a Deployment) tolerates the zone's
    class taints besides its defaults, and the Pod Identity agent every taint, or workloads would
    have no DNS and no credentials."""
    addons = {a.inputs["addonName"]: a for a in of_type(program, "aws:eks/addon:Addon").values()}
    coredns = json.loads(addons["coredns"].inputs["configurationValues"])["tolerations"]
    taints = {(t["key"], t.get("value")) for g in of_type(program, "aws:eks/nodeGroup:NodeGroup").values()
              for t in g.inputs.get("taints", []) if t["key"].startswith("data-class.regzone.io/")}
    assert taints and taints <= {(t["key"], t.get("value")) for t in coredns if t.get("operator") == "Equal"}
    assert {"key": "CriticalAddonsOnly", "operator": "Exists"} in coredns
    agent = json.loads(addons["eks-pod-identity-agent"].inputs["configurationValues"])
    assert agent == {"tolerations": [{"operator": "Exists"}]}


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
    # Each group is tainted per data class it may hold, so only pods tolerating its classes land there.
    ephi = {"key": "data-class.regzone.io/ephi", "value": "true", "effect": "NO_SCHEDULE"}
    assert gpu.inputs["taints"] == [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}, ephi]
    assert cpu.inputs["taints"] == [ephi]
    assert gpu.inputs["labels"] == {"regzone.io/zone": "t", "regzone.io/confidential": "nitro_enclaves",
                                    "regzone.io/node-kind": "gpu", "aws-nitro-enclaves-k8s-dp": "enabled",
                                    "data-class.regzone.io/ephi": "true"}
    assert cpu.inputs["labels"] == {"regzone.io/zone": "t", "regzone.io/confidential": "sev_snp",
                                    "regzone.io/node-kind": "cpu", "data-class.regzone.io/ephi": "true"}
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
    # Account singletons are the account baseline's (RegistrySettings), never a zone registry's.
    assert not of_type(program, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert not of_type(program, "aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert not of_type(program, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert not of_type(program, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")


NODE = "arn:aws:iam::111122223333:role/t-eks-node-role"
PROMOTION = "arn:aws:iam::111122223333:role/promotion"
DEPLOYER = "arn:aws:iam::111122223333:role/deployer"
OTHER_ZONE_NODE = "arn:aws:iam::111122223333:role/other-zone-node-role"
INSPECTOR = ("arn:aws:iam::111122223333:role/aws-service-role/inspector2.amazonaws.com/"
             "AWSServiceRoleForAmazonInspector2")
REPLICATION = ("arn:aws:iam::111122223333:role/aws-service-role/replication.ecr.amazonaws.com/"
               "AWSServiceRoleForECRReplication")


def _denied(policy: dict, action: str, principal_arn: str | None, service_call: bool = False) -> bool:
    """Whether a `Principal: "*"` Deny of the rendered policy applies to a request, by the condition
    operators the policy uses (IAM policy evaluation: conditions of one statement are ANDed, values
    of one key ORed; ArnNotLike/ArnNotEquals are true when no value matches)."""
    request = {"aws:PrincipalArn": principal_arn, "aws:PrincipalIsAWSService": "true" if service_call else "false"}
    for statement in policy["Statement"]:
        if statement["Effect"] != "Deny" or action not in statement["Action"]:
            continue
        applies = True
        for operator, conditions in statement.get("Condition", {}).items():
            for key, values in conditions.items():
                values = values if isinstance(values, list) else [values]
                value = request.get(key)
                if operator in ("ArnNotLike", "ArnNotEquals"):
                    applies &= value is not None and not any(fnmatch.fnmatchcase(value, v) for v in values)
                elif operator == "BoolIfExists":
                    applies &= value is None or value in values
                else:
                    raise AssertionError(f"operator {operator} not modelled")
        if applies:
            return True
    return False


@pytest.fixture(scope="module")
def repository_policy_document(program):
    return json.loads(of_type(program, "aws:ecr/repositoryPolicy:RepositoryPolicy")["t-registry-serving-policy"]
                      .inputs["policy"])


def test_repository_policy_grants_pull_to_nodes_and_push_to_promotion(repository_policy_document):
    by_sid = {s["Sid"]: s for s in repository_policy_document["Statement"]}
    assert by_sid["ZonePull"]["Principal"]["AWS"] == [NODE]
    assert by_sid["PromotionPush"]["Principal"]["AWS"] == [PROMOTION]
    assert "ecr:PutImage" not in by_sid["ZonePull"]["Action"]


@pytest.mark.parametrize("action", ["ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy", "ecr:DeleteRepositoryPolicy",
                                    "ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration"])
def test_only_the_deployer_manages_the_repository(repository_policy_document, action):
    """The second `pulumi up` updates the policy and lifecycle: the deployer is exempt, nobody else."""
    assert not _denied(repository_policy_document, action, DEPLOYER)
    assert _denied(repository_policy_document, action, PROMOTION)
    assert _denied(repository_policy_document, action, OTHER_ZONE_NODE)


@pytest.mark.parametrize("action", ["ecr:PutImage", "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage",
                                    "ecr:DeleteRepository"])
def test_the_deployer_never_pushes_or_deletes(repository_policy_document, action):
    assert _denied(repository_policy_document, action, DEPLOYER)
    assert _denied(repository_policy_document, action, NODE)
    assert _denied(repository_policy_document, action, PROMOTION) == (action == "ecr:DeleteRepository")


@pytest.mark.parametrize("action", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                    "ecr:BatchCheckLayerAvailability", "ecr:ListImages", "ecr:DescribeImages"])
def test_only_the_zone_reads_images(repository_policy_document, action):
    """Another zone's nodes hold AmazonEC2ContainerRegistryPullOnly (registry-wide): the deny stops them,
    while the zone's nodes, the promotion role, ECR replication, Inspector scanning and direct calls
    by AWS service principals still read."""
    assert _denied(repository_policy_document, action, OTHER_ZONE_NODE)
    assert _denied(repository_policy_document, action, DEPLOYER)
    for reader in (NODE, PROMOTION, INSPECTOR, REPLICATION):
        assert not _denied(repository_policy_document, action, reader), reader
    assert not _denied(repository_policy_document, action, None, service_call=True)


def test_lifecycle_policy_comes_before_the_repository_policy(program):
    policies = of_type(program, "aws:ecr/repositoryPolicy:RepositoryPolicy")
    lifecycles = of_type(program, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
    for slug in ("serving", "models-summarizer"):
        assert lifecycles[f"t-registry-{slug}-lifecycle"].urn in policies[f"t-registry-{slug}-policy"].dependencies
    lifecycle = json.loads(lifecycles["t-registry-serving-lifecycle"].inputs["policy"])
    assert lifecycle["rules"][0]["selection"]["tagStatus"] == "untagged"


def test_intake_manifest_records_seed_fields(program):
    (parameter,) = of_type(program, "aws:ssm/parameter:Parameter").values()
    assert parameter.inputs["type"] == "String" and "value" not in parameter.inputs
    manifest = json.loads(parameter.inputs["insecureValue"])
    (artifact,) = manifest["artifacts"]
    assert {"source", "checksum", "signer", "approval", "permitted_environments", "review_date"} <= set(artifact)
    assert parameter.inputs["name"] == "/regzone/t/registry/intake-manifest"


def test_exclusions_and_replication_templates_when_configured():
    """Replicas get the zone's settings from a creation template in each destination region: immutable
    tags, the zone policies, KMS with a key of that region that ECR uses through the template role."""
    recording = record(exclusions=["dev-*"], replication=["eu-central-1"],
                       key_users=["arn:aws:iam::111122223333:role/workloads"],
                       key_administrators=["arn:aws:iam::111122223333:role/key-admin"])
    repo = of_type(recording, "aws:ecr/repository:Repository")["t-registry-serving"]
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo.inputs["imageTagMutabilityExclusionFilters"] == [{"filter": "dev-*", "filterType": "WILDCARD"}]
    assert not of_type(recording, "aws:ecr/replicationConfiguration:ReplicationConfiguration")
    (template,) = of_type(recording, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate").values()
    inputs = template.inputs
    assert inputs["region"] == "eu-central-1" and inputs["prefix"] == "t" and inputs["appliedFors"] == ["REPLICATION"]
    assert inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    policy = of_type(recording, "aws:ecr/repositoryPolicy:RepositoryPolicy")["t-registry-serving-policy"]
    assert json.loads(inputs["repositoryPolicy"]) == json.loads(policy.inputs["policy"])
    assert json.loads(inputs["lifecyclePolicy"])["rules"][0]["selection"]["tagStatus"] == "untagged"
    keys = of_type(recording, "aws:kms/key:Key")
    key = keys["t-registry-eu-central-1-artifacts-key"]
    assert key.inputs["region"] == "eu-central-1" and key.protect and key.retain_on_delete
    assert key.inputs["enableKeyRotation"] is True
    (encryption,) = inputs["encryptionConfigurations"]
    assert encryption["encryptionType"] == "KMS" and encryption["kmsKey"].startswith("arn:aws:kms:eu-central-1:")
    role = of_type(recording, "aws:iam/role:Role")["t-registry-template-role"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}
    assert inputs["customRoleArn"] == "arn:aws:iam::111122223333:role/t-registry-template-role"
    # The key's users: the zone's, plus the template role (through ECR in that region only).
    use = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}["KeyUseThroughZoneServices"]
    assert use["Principal"]["AWS"] == ["arn:aws:iam::111122223333:role/workloads", inputs["customRoleArn"]]
    assert "ecr.eu-central-1.amazonaws.com" in use["Condition"]["StringEquals"]["kms:ViaService"]
    access = json.loads(of_type(recording, "aws:iam/rolePolicy:RolePolicy")["t-registry-eu-central-1-template-access"]
                        .inputs["policy"])
    by_sid = {s["Sid"]: s for s in access["Statement"]}
    assert by_sid["CreateZoneReplicas"]["Resource"] == "arn:aws:ecr:eu-central-1:111122223333:repository/t/*"
    assert by_sid["UseReplicaKey"]["Resource"] == key_arn_of(recording, key)
    assert set(by_sid["UseReplicaKey"]["Action"]) == {"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"}


def key_arn_of(recording, key):
    return f"arn:aws:kms:eu-central-1:111122223333:key/{key.name}"


def test_replica_keys_need_key_principals():
    """No account-root default for the replica artifacts keys: it would both administer and use them."""
    with pytest.raises(Exception) as raised:
        record(replication=["eu-central-1"], key_users=["arn:aws:iam::111122223333:role/workloads"])
    assert "replication regions get artifacts keys, whose policies need key_administrators and key_users" \
        in str(raised.value)


def test_scanning_owned_elsewhere_is_checked_live():
    """Another stack owns the registry settings: no singleton here, and every repository carries the
    result of the deploy-time read of the live scanning configuration (the offline stand-in scans all)."""
    recording = record(owns_registry_settings=False, replication=["eu-central-1"],
                       key_users=["arn:aws:iam::111122223333:role/workloads"],
                       key_administrators=["arn:aws:iam::111122223333:role/key-admin"])
    assert not of_type(recording, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    for repo in of_type(recording, "aws:ecr/repository:Repository").values():
        assert repo.inputs["tags"]["regzone:registry-scanning"].startswith("continuous")


def test_live_scanning_that_misses_the_zone_fails_the_deployment(monkeypatch):
    class BasicScanningMocks(ZoneMocks):
        def new_resource(self, args):
            if args.typ == REGISTRY_SCANNING and args.resource_id:
                return args.resource_id, {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                    "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]}
            return super().new_resource(args)

    monkeypatch.setattr(recorder, "ZoneMocks", BasicScanningMocks)
    with pytest.raises(Exception) as raised:
        record(owns_registry_settings=False)
    message = str(raised.value)
    assert "registry scanning configuration in eu-west-1 (owned by the account baseline)" in message
    assert "regzone-baseline:zone_stacks" in message
    assert "no CONTINUOUS_SCAN rule covers t/models/summarizer, t/serving" in message


@pytest.mark.parametrize("scan_type, rules, expected", [
    ("BASIC", [], "scan type is BASIC"),
    ("ENHANCED", [{"scan_frequency": "CONTINUOUS_SCAN",
                   "repository_filters": [{"filter": "other/*", "filter_type": "WILDCARD"}]}], "covers t/a"),
    ("ENHANCED", [{"scan_frequency": "CONTINUOUS_SCAN",
                   "repository_filters": [{"filter": "t/*", "filter_type": "WILDCARD"}]}], None),
    ("ENHANCED", [{"scan_frequency": "CONTINUOUS_SCAN",
                   "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]}], None),
])
def test_scanning_problem(scan_type, rules, expected):
    problem = scanning_problem(scan_type, rules, ["t/a"])
    assert (problem is None) if expected is None else (expected in problem)
