"""Coverage derived from the SDKs: every resource type whose inputs can express a control's setting is
judged by one of the control's policies or excused in the catalog with a reason (regzone/coverage)."""
import fnmatch

import pytest

from regulated_ai.policies import all_policies
from regulated_ai.types import K8S_POD_LISTS, K8S_POD_TEMPLATE_PATHS
from regzone.catalog import CoverSelector, load_catalog
from regzone.coverage import catalog_coverage, control_coverage, coverage_problems, pack_policy_types
from regzone.coverage.sdk import sdk_index


@pytest.fixture(scope="module")
def index():
    return sdk_index()


@pytest.fixture(scope="module")
def policy_types():
    return pack_policy_types()


def test_every_control_judges_or_excuses_every_type_that_can_express_its_setting(index, policy_types):
    """The gate. A failure names the control, the type and the input through which it expresses the setting:
    extend a policy's `types` to it (with a firing and a passing test) or excuse it in catalog/controls.yaml."""
    coverage = catalog_coverage(load_catalog(), policy_types, index)
    assert coverage_problems(coverage) == {}
    assert sum(len(c.candidates) for c in coverage) > 3000  # the selectors find the SDKs' types


def test_every_control_with_policies_lists_what_it_covers():
    missing = [c.id for c in load_catalog().controls if c.policies and not c.covers]
    assert missing == []


def _control(control_id):
    return load_catalog().control(control_id)


def test_a_sibling_no_policy_judges_is_reported(index, policy_types):
    """Without the replica key types in its policy, RAZ-KMS-002 fails on exactly those types."""
    narrowed = {**policy_types, "kms-key-deletion-window": frozenset({"aws:kms/key:Key"})}
    problems = control_coverage(_control("RAZ-KMS-002"), narrowed, index).problems()
    assert len(problems) == 3 and all("deletionWindowInDays" in p for p in problems)
    assert any(p.startswith("aws:kms/replicaKey:ReplicaKey can express the setting") for p in problems)


def test_stale_excuses_and_selectors_that_match_nothing_are_reported(index, policy_types):
    control = _control("RAZ-KMS-002").model_copy(update={
        "covers": [CoverSelector(types=["aws:kms/*"], inputs=["deletionWindowInDays"]),
                   CoverSelector(types=["aws:nosuch/*"], inputs=["policy"])],
        "excused": {"aws:kms/nosuch:NoSuch": "a reason", "aws:kms/key:Key": "judged anyway"}})
    problems = control_coverage(control, policy_types, index).problems()
    assert any("matches no resource type" in p for p in problems)
    assert any("aws:kms/nosuch:NoSuch, which matches no candidate type" in p for p in problems)
    assert any("excuses aws:kms/key:Key (as aws:kms/key:Key), which kms-key-deletion-window judges" in p
               for p in problems)


def test_controls_with_policies_but_no_covers_are_reported(index, policy_types):
    control = _control("RAZ-KMS-002").model_copy(update={"covers": []})
    assert control_coverage(control, policy_types, index).problems() == [
        "has policies but no `covers`: name the inputs that express its setting"]


def test_every_type_a_policy_names_exists_in_the_sdks(index):
    """A misspelt or invented token would judge nothing, silently. Former tokens (aliases) of a type count:
    a program on an older SDK still registers them."""
    known = set(index.resources) | set(index.aliases)
    unknown = {p.name: sorted(t for t in p.types if t not in known)
               for p in all_policies() if not callable(getattr(p, "types", ())) and p.types}
    assert {name: tokens for name, tokens in unknown.items() if tokens} == {}
    assert index.aliases["aws:elasticloadbalancingv2/loadBalancer:LoadBalancer"] == "aws:lb/loadBalancer:LoadBalancer"


def test_the_pod_spec_paths_are_those_of_the_sdk(index):
    """Every Kubernetes type that holds containers is judged, with its pod spec where the SDK puts it."""
    holders = {t for t in index.types() if t.startswith("kubernetes:") and index.paths(t, "**.containers")}
    holders -= {t for t in holders if fnmatch.fnmatchcase(t, "kubernetes:*:PodSecurityPolicy*")}
    assert holders == set(K8S_POD_TEMPLATE_PATHS) | set(K8S_POD_LISTS)
    def spec_paths(token):  # a Pod's status also names containers (resource claim statuses): not a spec
        return [p for p in index.paths(token, "**.containers") if "status" not in p.split(".")]
    for token, path in K8S_POD_TEMPLATE_PATHS.items():
        assert spec_paths(token) == [f"{path}.containers"], token
    for token, item in K8S_POD_LISTS.items():
        assert spec_paths(token) == [f"items.{K8S_POD_TEMPLATE_PATHS[item]}.containers"], token


def test_sdk_index_reads_wire_names_nested_inputs_and_aliases(index):
    assert index.paths("aws:ec2/launchTemplate:LaunchTemplate", "**.httpTokens") == ["metadataOptions.httpTokens"]
    assert "policy" in index.paths("aws:kms/replicaKey:ReplicaKey", "*")
    assert index.paths("aws:s3/bucketV2:BucketV2", "serverSideEncryptionConfigurations.rules.*") == [
        "serverSideEncryptionConfigurations.rules.applyServerSideEncryptionByDefaults",
        "serverSideEncryptionConfigurations.rules.bucketKeyEnabled"]
    # Recursive input types (JSON schema properties of CRDs) end.
    assert index.paths("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "**.nosuchinput") == []
    assert index.paths("tls:index/privateKey:PrivateKey", "*") == ["algorithm", "ecdsaCurve", "rsaBits"]
    assert sum(t.startswith("aws:") for t in index.types()) > 1500
    # Each input's annotation, through nested inputs (tests/test_iam_document_types.py reads documents by it).
    assert index.annotation("aws:iam/role:Role", "assumeRolePolicy") == \
        "pulumi.Input[Union[_builtins.str, 'PolicyDocumentArgs']]"
    assert index.annotation("aws:iam/role:Role", "inlinePolicies.policy") == "pulumi.Input[Optional[_builtins.str]]"
    assert "Sequence[" in index.annotation("aws:iam/role:Role", "inlinePolicies")
    assert index.annotation("aws:iam/role:Role", "nosuchinput") is None


def test_every_listed_service_is_judged_or_gives_its_gap(index, policy_types):
    from regzone.coverage.services import load_services, service_coverage, service_problems
    coverage = catalog_coverage(load_catalog(), policy_types, index)
    services = service_coverage(coverage, index)
    assert service_problems(services, {c.id for c in load_catalog().controls}) == []
    by_name = {s.name: s for s in services}
    assert {"RAZ-AI-001", "RAZ-AI-004"} <= set(by_name["sagemaker"].controls)
    assert by_name["dynamodb"].controls == ["RAZ-ENC-001"]
    assert "RAZ-RES-001" not in by_name["s3"].controls  # cross-cutting controls are listed once
    assert set(load_services().services) >= {"s3", "kms", "ecr", "eks", "ec2", "ebs", "rds", "efs", "dynamodb", "sqs",
                                             "sns", "opensearch", "elasticache", "secretsmanager", "ssm", "sagemaker",
                                             "bedrock", "lambda", "apigateway", "cloudfront", "logs", "cloudtrail"}


def test_a_service_without_controls_or_gap_a_stale_gap_and_an_empty_glob_are_reported(index, policy_types):
    from regzone.coverage.services import Service, Services, service_coverage, service_problems
    listed = Services(cross_cutting=["RAZ-DCP-001", "RAZ-LVL-001", "RAZ-RES-001", "RAZ-CHG-001", "RAZ-DEP-002", "RAZ-DEP-003", "RAZ-NOPE-001"], services={
        "glue": Service(title="Glue", types=["aws:glue/*"]),
        "sqs": Service(title="SQS", types=["aws:sqs/*"], gap="not judged"),
        "nothing": Service(title="Nothing", types=["aws:nosuch/*"], gap="x")})
    coverage = catalog_coverage(load_catalog(), policy_types, index)
    problems = service_problems(service_coverage(coverage, index, listed), {c.id for c in load_catalog().controls},
                                listed)
    assert any("service glue: no control judges it" in p for p in problems)
    assert any(p.startswith("service sqs: `gap` is stale") and "RAZ-ENC-001" in p for p in problems)
    assert any("service nothing: its types" in p for p in problems)
    assert any("RAZ-NOPE-001, which is not a control" in p for p in problems)
