"""The in-cluster program under mocks, its StackReference answered with the zone stack's exports:
the components as the program composes them, asserted on their wire inputs -- RegulatedNamespace
(labels, quota, limits, NetworkPolicies), WorkloadAdmission (policy and binding), ImageSignatures
(Kyverno, opt-in), ZoneAccess (roles, bindings, access entries) and WorkloadIdentity (Pod Identity)."""
import json

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import PROJECT, ProgramError, project_of, record_program

INCLUSTER = REPO_ROOT / "incluster"
ZONE_REF = "organization/regzone/dev"


# The zone stack's exports as the in-cluster program reads them (tests/test_incluster_preview.py keeps
# this in step with the real zone program).
ZONE_OUTPUTS = {
    "clusters": {"dev-ai": {"name": "dev-ai-eks", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/dev-ai-eks",
                            "endpoint": "https://0A1B2C3D.gr7.eu-west-1.eks.amazonaws.com",
                            "certificate_authority": "LS0tLS1CRUdJTi1NT0NLLUNBLS0tLS0=",
                            "node_role_arn": "arn:aws:iam::111122223333:role/dev-ai-eks-node-role"}},
    "zones": {"dev-ai": {"key_arns": {"data": "arn:aws:kms:eu-west-1:111122223333:key/dev-ai-data"},
                         "endpoint_subnet_cidrs": ["10.40.0.0/20", "10.40.16.0/20"]}},
}


@pytest.fixture
def zone_outputs():
    return json.loads(json.dumps(ZONE_OUTPUTS))


def record(config, outputs):
    return record_program(INCLUSTER, "dev", config, project="regzone-incluster", stack_outputs={ZONE_REF: outputs})


@pytest.fixture(scope="module")
def incluster():
    return record(read_stack_file(INCLUSTER / "Pulumi.dev.yaml"), ZONE_OUTPUTS)


@pytest.fixture
def incluster_config():
    return read_stack_file(INCLUSTER / "Pulumi.dev.yaml")


def of_type(recording, type_token):
    return {r.name: r for r in recording.resources if r.type == type_token}


def test_project_names_come_from_pulumi_yaml(tmp_path):
    assert project_of(STACKS_DIR) == PROJECT == "regzone"
    assert project_of(INCLUSTER) == "regzone-incluster"
    assert project_of(tmp_path) == PROJECT


def test_kubernetes_provider_uses_zone_cluster_and_iam_token(incluster, zone_outputs):
    (provider,) = of_type(incluster, "pulumi:providers:kubernetes").values()
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    cluster = zone_outputs["clusters"]["dev-ai"]
    assert kubeconfig["clusters"][0]["cluster"]["server"] == cluster["endpoint"]
    assert kubeconfig["users"][0]["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", cluster["name"]]
    assert "token" not in kubeconfig["users"][0]["user"]
    for ns in of_type(incluster, "kubernetes:core/v1:Namespace").values():
        assert ns.provider.startswith(provider.urn)


def test_one_restricted_namespace_per_kind_with_permitted_classes(incluster):
    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]
                  for r in of_type(incluster, "kubernetes:core/v1:Namespace").values()}
    assert set(namespaces) == {"dev-ai-training", "dev-ai-inference", "dev-ai-batch-evaluation"}
    for labels in namespaces.values():
        assert all(labels[f"pod-security.kubernetes.io/{m}"] == "restricted" for m in ("enforce", "audit", "warn"))
        assert labels["regzone.io/zone"] == "dev-ai"
    assert {k for k in namespaces["dev-ai-inference"] if k.startswith("data-class.regzone.io/")} == {
        "data-class.regzone.io/public", "data-class.regzone.io/personal_data"}
    assert {k for k in namespaces["dev-ai-training"] if k.startswith("data-class.regzone.io/")} == {
        "data-class.regzone.io/personal_data"}


def test_quota_and_limits(incluster):
    quotas = {r.inputs["metadata"]["namespace"]: r.inputs["spec"]["hard"]
              for r in of_type(incluster, "kubernetes:core/v1:ResourceQuota").values()}
    assert all(q["services.nodeports"] == "0" for q in quotas.values())
    assert quotas["dev-ai-training"]["services.loadbalancers"] == "0"
    assert len(of_type(incluster, "kubernetes:core/v1:LimitRange")) == 3


def test_network_policies_default_deny_plus_needed_flows(incluster):
    by_ns = {}
    for policy in of_type(incluster, "kubernetes:networking.k8s.io/v1:NetworkPolicy").values():
        by_ns.setdefault(policy.inputs["metadata"]["namespace"], {})[policy.inputs["metadata"]["name"]] = \
            policy.inputs["spec"]
    common = {"default-deny", "allow-dns", "allow-zone-endpoints", "allow-s3-gateway", "allow-pod-identity-agent",
              "allow-egress-allow-list"}
    assert set(by_ns["dev-ai-inference"]) == common | {"allow-serving", "allow-intra-namespace"}
    assert set(by_ns["dev-ai-training"]) == common | {"allow-intra-namespace"}
    assert set(by_ns["dev-ai-batch-evaluation"]) == common
    deny = by_ns["dev-ai-training"]["default-deny"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    egress = by_ns["dev-ai-training"]["allow-egress-allow-list"]["egress"][0]
    assert egress["to"][0]["ipBlock"]["except"] == ["10.40.0.0/16", "169.254.0.0/16"]
    assert egress["ports"] == [{"protocol": "TCP", "port": 443}]


def _policies(recording, name):
    return {p.inputs["metadata"]["namespace"]: p.inputs["spec"]
            for p in of_type(recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy").values()
            if p.inputs["metadata"]["name"] == name}


def test_endpoints_are_reached_in_their_subnets_not_the_whole_vpc(incluster, zone_outputs):
    for spec in _policies(incluster, "allow-zone-endpoints").values():
        (rule,) = spec["egress"]
        assert [peer["ipBlock"]["cidr"] for peer in rule["to"]] == \
            zone_outputs["zones"]["dev-ai"]["endpoint_subnet_cidrs"]
        assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


def test_s3_gateway_ranges_are_allowed_on_443(incluster):
    """Through the gateway endpoint, S3 traffic goes to the ranges of S3's prefix list (the mocks answer
    com.amazonaws.<region>.s3 with documentation ranges): exactly those, on 443."""
    specs = _policies(incluster, "allow-s3-gateway")
    assert len(specs) == 3
    for spec in specs.values():
        (rule,) = spec["egress"]
        assert [peer["ipBlock"] for peer in rule["to"]] == [{"cidr": "192.0.2.0/24"}, {"cidr": "198.51.100.0/24"}]
        assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


def test_intra_namespace_traffic_per_workload_kind(incluster):
    """Multi-node training talks on any port inside its namespace, serving pods on the serving port,
    batch evaluation not at all; nothing crosses namespaces."""
    intra = _policies(incluster, "allow-intra-namespace")
    assert set(intra) == {"dev-ai-training", "dev-ai-inference"}
    training, inference = intra["dev-ai-training"], intra["dev-ai-inference"]
    assert training["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert training["egress"] == [{"to": [{"podSelector": {}}]}]
    assert inference["ingress"] == [{"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8443}]}]
    assert inference["egress"] == [{"to": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8443}]}]
    for spec in intra.values():
        assert not any("namespaceSelector" in peer for rule in spec["ingress"] + spec["egress"]
                       for peer in rule.get("from", rule.get("to", [])))


def test_pod_security_pinned_to_the_cluster_version(incluster):
    for ns in of_type(incluster, "kubernetes:core/v1:Namespace").values():
        labels = ns.inputs["metadata"]["labels"]
        assert {labels[f"pod-security.kubernetes.io/{m}-version"] for m in ("enforce", "audit", "warn")} == {"v1.35"}


def test_limits_admit_requests_above_the_default_and_cap_at_the_largest_node(incluster):
    """A container that requests 8Gi and sets no limit gets the default limit: it must not be below
    the request (the LimitRanger refuses request > limit). dev's largest node is m6a.2xlarge or
    g5.2xlarge: 8 vCPUs, 32 GiB."""
    for limits in of_type(incluster, "kubernetes:core/v1:LimitRange").values():
        (container,) = limits.inputs["spec"]["limits"]
        assert container["max"] == container["default"] == {"cpu": "8", "memory": "32768Mi"}
        assert container["defaultRequest"] == {"cpu": "250m", "memory": "512Mi"}


def test_gpu_quota_follows_the_node_groups(incluster):
    """dev's only GPU group is gpu-inference: g5.2xlarge (1 GPU) at most 2 nodes."""
    quotas = {r.inputs["metadata"]["namespace"]: r.inputs["spec"]["hard"]
              for r in of_type(incluster, "kubernetes:core/v1:ResourceQuota").values()}
    assert {ns: q["requests.nvidia.com/gpu"] for ns, q in quotas.items()} == {
        "dev-ai-training": "2", "dev-ai-inference": "2", "dev-ai-batch-evaluation": "2"}


def test_workloads_reach_the_pod_identity_agent(incluster):
    """The default deny would cut pods off from EKS Pod Identity credentials (the agent listens on
    169.254.170.23:80 and [fd00:ec2::23]:80 on each node); every namespace allows exactly that."""
    agents = [p.inputs["spec"] for p in of_type(incluster, "kubernetes:networking.k8s.io/v1:NetworkPolicy").values()
              if p.inputs["metadata"]["name"] == "allow-pod-identity-agent"]
    assert len(agents) == 3
    for spec in agents:
        assert spec["policyTypes"] == ["Egress"] and spec["podSelector"] == {}
        (rule,) = spec["egress"]
        assert [peer["ipBlock"]["cidr"] for peer in rule["to"]] == ["169.254.170.23/32", "fd00:ec2::23/128"]
        assert rule["ports"] == [{"protocol": "TCP", "port": 80}]


def test_air_gapped_zone_has_no_internet_path(zone_outputs, incluster_config, tmp_path, monkeypatch):
    """Egress comes from the zone config: an air-gapped zone gets no allow-list NetworkPolicy."""
    import yaml
    document = yaml.safe_load((STACKS_DIR / "Pulumi.dev.yaml").read_text())
    document["config"]["regzone:zones"][0]["regulated_ai_zone"]["egress"] = {"default": "deny", "air_gapped": True}
    (tmp_path / "Pulumi.airgap.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.setattr("regzone.paths.STACKS_DIR", tmp_path)
    incluster_config["regzone-incluster:zone_stack"] = "organization/regzone/airgap"
    recording = record_program(INCLUSTER, "dev", incluster_config, project="regzone-incluster",
                               stack_outputs={"organization/regzone/airgap": zone_outputs})
    names = {r.inputs["metadata"]["name"]
             for r in of_type(recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy").values()}
    assert "allow-egress-allow-list" not in names and "default-deny" in names


def _by_name(recording, type_token):
    return {r.inputs["metadata"]["name"]: r for r in of_type(recording, type_token).values()}


VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VAP_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"


def test_admission_policy_and_binding(incluster):
    policies = _by_name(incluster, VAP)
    assert set(policies) == {"regzone-dev-ai-workloads", "regzone-dev-ai-services"}
    policy = policies["regzone-dev-ai-workloads"]
    spec = policy.inputs["spec"]
    assert [c["name"] for c in spec["matchConditions"]] == ["changes-what-is-judged"]
    assert spec["failurePolicy"] == "Fail"
    expressions = " ".join(v["expression"] for v in spec["validations"])
    assert '"111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai/"' in expressions
    assert '"dev-ai"' in expressions and "@sha256:" in expressions
    resources = {r for rule in spec["matchConstraints"]["resourceRules"] for r in rule["resources"]}
    assert {"pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"} <= resources
    bindings = _by_name(incluster, VAP_BINDING)
    assert set(bindings) == set(policies)
    for name, binding in bindings.items():
        assert binding.inputs["spec"]["policyName"] == name
        assert binding.inputs["spec"]["validationActions"] == ["Deny", "Audit"]
        selector = binding.inputs["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]
        assert selector["operator"] == "NotIn" and "default" not in selector["values"]
    services = policies["regzone-dev-ai-services"].inputs["spec"]
    assert services["matchConstraints"]["resourceRules"][0]["resources"] == ["services"]
    # dev's classes do not require confidential compute: no confidential-mode rule.
    assert not any("confidential compute" in v["message"] for v in spec["validations"])


def test_exempt_namespaces_extend_the_system_ones(zone_outputs, incluster_config):
    incluster_config["regzone-incluster:admission_exempt_namespaces"] = ["kyverno"]
    recording = record(incluster_config, zone_outputs)
    binding = _by_name(recording, VAP_BINDING)["regzone-dev-ai-workloads"]
    values = binding.inputs["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"]
    assert values == ["kube-system", "kube-public", "kube-node-lease", "kyverno"]


def test_no_kyverno_policy_by_default(incluster):
    assert not [r for r in incluster.resources if r.type.startswith("kubernetes:kyverno.io")]


@pytest.mark.slow
def test_kyverno_verify_images_when_enabled(zone_outputs, incluster_config):
    incluster_config["regzone-incluster:verify_image_signatures"] = True
    incluster_config["regzone-incluster:signer_public_key"] = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"
    recording = record(incluster_config, zone_outputs)
    (policy,) = of_type(recording, "kubernetes:kyverno.io/v1:ClusterPolicy").values()
    verify = policy.inputs["spec"]["rules"][0]["verifyImages"][0]
    assert verify["imageReferences"] == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/dev-ai/*"]
    assert policy.inputs["spec"]["validationFailureAction"] == "Enforce"


def test_rbac_duties_are_separated(incluster):
    roles = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.inputs["rules"]
             for r in of_type(incluster, "kubernetes:rbac.authorization.k8s.io/v1:Role").values()}
    assert set(roles) == {("dev-ai-training", "regzone-trainers"), ("dev-ai-batch-evaluation", "regzone-trainers"),
                          ("dev-ai-inference", "regzone-inference-operators")}
    for rules in roles.values():
        assert not any("secrets" in rule["resources"] or "*" in rule["verbs"] for rule in rules)
    (auditor,) = of_type(incluster, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").values()
    for rule in auditor.inputs["rules"]:
        assert set(rule["verbs"]) <= {"get", "list", "watch"} and "secrets" not in rule["resources"]
    bindings = of_type(incluster, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    assert all(b.inputs["roleRef"]["name"] != "cluster-admin" for b in bindings.values())


def test_access_entries_map_iam_roles_to_duty_groups(incluster):
    entries = {r.inputs["principalArn"]: r.inputs for r in of_type(incluster, "aws:eks/accessEntry:AccessEntry").values()}
    assert entries["arn:aws:iam::111122223333:role/dev-ai-trainer"]["kubernetesGroups"] == ["regzone:trainers"]
    assert entries["arn:aws:iam::111122223333:role/dev-ai-auditor"]["kubernetesGroups"] == ["regzone:auditors"]
    # No EKS access policy: AmazonEKSViewPolicy would let auditors read ConfigMaps and pod logs cluster-wide.
    assert of_type(incluster, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation") == {}


def test_auditors_read_exactly_the_audit_objects(incluster):
    (auditor,) = of_type(incluster, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").values()
    readable = {(group, resource) for rule in auditor.inputs["rules"] for group in rule["apiGroups"]
                for resource in rule["resources"]}
    assert not readable & {("", "pods/log"), ("", "configmaps"), ("", "secrets"), ("", "pods/exec")}
    assert not any("*" in rule["resources"] or "*" in rule["apiGroups"] for rule in auditor.inputs["rules"])
    assert {("", "pods"), ("networking.k8s.io", "networkpolicies"), ("rbac.authorization.k8s.io", "rolebindings"),
            ("admissionregistration.k8s.io", "validatingadmissionpolicies")} <= readable


def test_pod_identity_per_workload_least_privilege(incluster, zone_outputs):
    associations = {r.inputs["serviceAccount"]: r.inputs
                    for r in of_type(incluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation").values()}
    assert set(associations) == {"support-summarizer", "support-finetune", "support-eval"}
    assert associations["support-finetune"]["namespace"] == "dev-ai-training"
    role = of_type(incluster, "aws:iam/role:Role")["dev-ai-support-finetune-role"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    # The session tags EKS Pod Identity sets (EKS user guide, pod-id-role, pod-id-abac): this cluster,
    # this namespace, this service account; no aws:SourceArn, which the guide does not promise.
    assert trust["Condition"] == {"StringEquals": {
        "aws:SourceAccount": "111122223333",
        "aws:RequestTag/eks-cluster-arn": zone_outputs["clusters"]["dev-ai"]["arn"],
        "aws:RequestTag/kubernetes-namespace": "dev-ai-training",
        "aws:RequestTag/kubernetes-service-account": "support-finetune"}}
    policy = json.loads(of_type(incluster, "aws:iam/rolePolicy:RolePolicy")["dev-ai-support-finetune-permissions"]
                        .inputs["policy"])
    actions = {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
    assert "*" not in actions and not any(a.endswith(":*") for a in actions)
    accounts = of_type(incluster, "kubernetes:core/v1:ServiceAccount")
    assert all(sa.inputs["automountServiceAccountToken"] is False for sa in accounts.values())


def test_each_role_is_assumable_only_by_its_own_service_account(incluster):
    """No two workload roles trust the same (namespace, service account); each names its association's."""
    roles = {r.name: json.loads(r.inputs["assumeRolePolicy"])["Statement"] for r in
             of_type(incluster, "aws:iam/role:Role").values() if "Pod Identity" in r.inputs["description"]}
    bound = set()
    for name, (statement,) in roles.items():
        tags = statement["Condition"]["StringEquals"]
        account = (tags["aws:RequestTag/kubernetes-namespace"], tags["aws:RequestTag/kubernetes-service-account"])
        assert name == f"dev-ai-{account[1]}-role"
        bound.add(account)
    associations = {(r.inputs["namespace"], r.inputs["serviceAccount"])
                    for r in of_type(incluster, "aws:eks/podIdentityAssociation:PodIdentityAssociation").values()}
    assert bound == associations and len(bound) == len(roles) == 3


def _permissions(recording, workload):
    return json.loads(of_type(recording, "aws:iam/rolePolicy:RolePolicy")[f"dev-ai-{workload}-permissions"]
                      .inputs["policy"])["Statement"]


def test_workload_role_without_exported_buckets_denies_data(zone_outputs, incluster_config):
    outputs = zone_outputs
    outputs["zones"]["dev-ai"].pop("data_bucket_arns", None)
    assert _permissions(record(incluster_config, outputs), "support-eval") == [
        {"Sid": "NoDataBucketsExported", "Effect": "Deny", "Action": ["s3:*", "kms:*"], "Resource": "*"}]


def test_workload_role_scoped_to_own_prefix_and_classes(zone_outputs, incluster_config):
    outputs = zone_outputs
    outputs["zones"]["dev-ai"]["data_bucket_arns"] = {"personal_data": "arn:aws:s3:::pd", "public": "arn:aws:s3:::pub"}
    statements = {s["Sid"]: s for s in _permissions(record(incluster_config, outputs), "support-finetune")}
    assert statements["OwnObjects"]["Resource"] == ["arn:aws:s3:::pd/workloads/support-finetune/*"]
    assert statements["ListOwnPrefix"]["Condition"]["StringLike"]["s3:prefix"] == ["workloads/support-finetune/*"]
    assert statements["DataKeyThroughS3"]["Resource"] == [outputs["zones"]["dev-ai"]["key_arns"]["data"]]
    # S3 Bucket Keys: the encryption context is the bucket ARN, so the key serves only the role's buckets.
    assert statements["DataKeyThroughS3"]["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::pd"]}


def test_workload_roles_live_on_the_zone_workload_path(incluster):
    """The data key lets IAM decide for roles on this path (they are created after the key)."""
    roles = [r for r in of_type(incluster, "aws:iam/role:Role").values() if "Pod Identity" in r.inputs["description"]]
    assert len(roles) == 3 and {r.inputs["path"] for r in roles} == {"/regzone/dev-ai/workloads/"}


@pytest.mark.parametrize("change, expected", [
    ({"regzone-incluster:access": {"trainers": ["arn:aws:iam::111122223333:user/alice"]}},
     "regzone-incluster:access.trainers[0]"),
    ({"regzone-incluster:access": {"trainers": ["arn:aws:iam::111122223333:role/x"],
                                   "auditors": ["arn:aws:iam::111122223333:role/x"]}},
     "regzone-incluster:access.auditors[0]"),
    ({"regzone-incluster:zone": "prod-ai"}, "regzone-incluster:zone = 'prod-ai'"),
    ({"regzone-incluster:verify_image_signatures": True}, "regzone-incluster:signer_public_key"),
    ({"regzone-incluster:zonestack": "x"}, "regzone-incluster:zonestack: unknown key"),
    ({"regzone-incluster:admission_exempt_namespaces": ["Kyverno"]},
     "regzone-incluster:admission_exempt_namespaces[0] = 'Kyverno'"),
])
def test_config_errors_name_the_key(zone_outputs, incluster_config, change, expected):
    incluster_config.update(change)
    with pytest.raises(ProgramError) as raised:
        record(incluster_config, zone_outputs)
    assert expected in str(raised.value)


def test_missing_zone_outputs_fail_clearly(incluster_config):
    with pytest.raises(Exception) as raised:
        record(incluster_config, {"zones": {}})
    assert "has no output `clusters.dev-ai.name`" in str(raised.value)



def test_missing_endpoint_subnets_fail_clearly(zone_outputs, incluster_config):
    """Without the endpoint subnets the namespaces cannot name what pods may reach: no fallback to the VPC."""
    del zone_outputs["zones"]["dev-ai"]["endpoint_subnet_cidrs"]
    with pytest.raises(Exception) as raised:
        record(incluster_config, zone_outputs)
    assert "has no output `zones.dev-ai.endpoint_subnet_cidrs`" in str(raised.value)
