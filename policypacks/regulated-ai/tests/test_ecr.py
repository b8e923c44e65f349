"""ECR policies over the analyzer protocol: the registry's baseline passes; each change fires."""
import json

import pytest

from analyzer_helpers import resource, violations
from components.registry import repository_policy

REPO = "aws:ecr/repository:Repository"
REPO_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/"
ARTIFACTS_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/artifacts"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
BASELINE = {
    "name": "dev-ai/serving",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": ARTIFACTS_KEY}],
}
REPO_POLICIES = ["ecr-repository-immutable-tags", "ecr-repository-scan-on-push", "ecr-repository-kms-encryption"]


def repo(**changes):
    return resource(REPO, {**BASELINE, **changes}, name="dev-ai-registry-serving", protect=True)


def policy_doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize("policy", REPO_POLICIES)
def test_baseline_repository_passes(pack, policy):
    assert violations(pack, policy, repo()) == []


@pytest.mark.parametrize("mutability", ["MUTABLE", "MUTABLE_WITH_EXCLUSION"])
def test_mutable_tags_fire(pack, mutability):
    found = violations(pack, "ecr-repository-immutable-tags", repo(imageTagMutability=mutability))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "RAZ-ECR-001" in found[0].message and mutability in found[0].message


def test_unset_mutability_fires_because_ecr_defaults_to_mutable(pack):
    props = {k: v for k, v in BASELINE.items() if k != "imageTagMutability"}
    assert violations(pack, "ecr-repository-immutable-tags", resource(REPO, props))


def test_exclusions_pass_only_with_explicit_patterns(pack):
    named = repo(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                 imageTagMutabilityExclusionFilters=[{"filter": "latest-dev*", "filterType": "WILDCARD"}])
    assert violations(pack, "ecr-repository-immutable-tags", named) == []
    empty = repo(imageTagMutability="IMMUTABLE_WITH_EXCLUSION")
    assert "without exclusion filters" in violations(pack, "ecr-repository-immutable-tags", empty)[0].message
    everything = repo(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                      imageTagMutabilityExclusionFilters=[{"filter": "*", "filterType": "WILDCARD"}])
    assert "every tag" in violations(pack, "ecr-repository-immutable-tags", everything)[0].message


def test_unknown_mutability_is_reported_not_passed(pack):
    found = violations(pack, "ecr-repository-immutable-tags", repo(imageTagMutability=UNKNOWN))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


def test_scan_on_push_off_fires(pack):
    found = violations(pack, "ecr-repository-scan-on-push", repo(imageScanningConfiguration={"scanOnPush": False}))
    assert found and "RAZ-ECR-002" in found[0].message
    assert violations(pack, "ecr-repository-scan-on-push", repo(imageScanningConfiguration={}))


@pytest.mark.parametrize("encryption, expected", [
    ([{"encryptionType": "AES256"}], "AES256"),
    ([], "no encryption configuration"),
    ([{"encryptionType": "KMS"}], "AWS-managed ECR key"),
    ([{"encryptionType": "KMS", "kmsKey": "alias/aws/ecr"}], "AWS-managed ECR key"),
])
def test_weak_encryption_fires(pack, encryption, expected):
    found = violations(pack, "ecr-repository-kms-encryption", repo(encryptionConfigurations=encryption))
    assert found and expected in found[0].message and "RAZ-ECR-003" in found[0].message


def test_unknown_kms_key_is_reported(pack):
    found = violations(pack, "ecr-repository-kms-encryption",
                       repo(encryptionConfigurations=[{"encryptionType": "KMS", "kmsKey": UNKNOWN}]))
    assert found and "cannot be verified at preview" in found[0].message


def test_any_pull_through_cache_rule_fires(pack):
    rule = resource("aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
                    {"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "registry-1.docker.io"})
    found = violations(pack, "ecr-no-pull-through-cache", rule)
    assert found and "registry-1.docker.io" in found[0].message and "RAZ-ECR-005" in found[0].message


def test_component_repository_policy_passes(pack):
    document = repository_policy(pull_principals=[ROLE + "dev-ai-node", ROLE + "summarizer"],
                                 promotion_role=ROLE + "promotion", deployer_role=ROLE + "deployer", account_id=ACCOUNT)
    res = resource(REPO_POLICY, {"repository": "dev-ai/serving", "policy": document})
    assert violations(pack, "ecr-policy-no-public-or-foreign-principal", res) == []


@pytest.mark.parametrize("token", [REPO_POLICY, REGISTRY_POLICY])
@pytest.mark.parametrize("principal, expected", [
    ("*", "allows principal * (anonymous callers and any account)"),
    ({"AWS": "*"}, "allows principal * (anonymous callers and any account)"),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "whole account"),
    ({"AWS": "444455556666"}, "whole account"),
    ({"Service": "codebuild.amazonaws.com"}, "grants the service"),
])
def test_public_or_account_wide_grants_fire(pack, token, principal, expected):
    document = policy_doc({"Sid": "Bad", "Effect": "Allow", "Principal": principal, "Action": ["ecr:BatchGetImage"]})
    found = violations(pack, "ecr-policy-no-public-or-foreign-principal", resource(token, {"policy": document}))
    assert any(expected in d.message for d in found), [d.message for d in found]


def test_second_account_fires(pack):
    document = policy_doc(
        {"Sid": "Zone", "Effect": "Allow", "Principal": {"AWS": ROLE + "node"}, "Action": ["ecr:BatchGetImage"]},
        {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/x"},
         "Action": ["ecr:BatchGetImage"]})
    found = violations(pack, "ecr-policy-no-public-or-foreign-principal", resource(REPO_POLICY, {"policy": document}))
    assert found and "several accounts" in found[0].message


def test_deny_with_star_principal_is_not_a_grant(pack):
    document = policy_doc({"Sid": "D", "Effect": "Deny", "Principal": "*", "Action": ["ecr:PutImage"]})
    assert violations(pack, "ecr-policy-no-public-or-foreign-principal", resource(REPO_POLICY, {"policy": document})) == []


def test_replication_outside_allowed_regions_fires(pack):
    config = resource("aws:ecr/replicationConfiguration:ReplicationConfiguration", {"replicationConfiguration": {
        "rules": [{"destinations": [{"region": "us-east-1", "registryId": ACCOUNT}]}]}})
    found = violations(pack, "ecr-replication-allowed-regions", config)
    assert found and "us-east-1" in found[0].message and "RAZ-ECR-005" in found[0].message


TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
TEMPLATE_BASELINE = {
    "prefix": "dev-ai", "appliedFors": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": ARTIFACTS_KEY}],
    "repositoryPolicy": repository_policy(pull_principals=[ROLE + "dev-ai-node"], promotion_role=ROLE + "promotion",
                                          deployer_role=ROLE + "deployer", account_id=ACCOUNT),
}


def template(**changes):
    return resource(TEMPLATE, {**TEMPLATE_BASELINE, **changes}, name="dev-ai-registry-eu-central-1-template")


@pytest.mark.parametrize("policy", ["ecr-repository-immutable-tags", "ecr-repository-kms-encryption",
                                    "ecr-policy-no-public-or-foreign-principal"])
def test_baseline_creation_template_passes(pack, policy):
    assert violations(pack, policy, template()) == []


@pytest.mark.parametrize("policy, changes, expected", [
    ("ecr-repository-immutable-tags", {"imageTagMutability": None}, "creation template 'dev-ai-registry-eu-central-1-"
                                                                    "template' has MUTABLE tags"),
    ("ecr-repository-kms-encryption", {"encryptionConfigurations": None}, "uses AES256"),
    ("ecr-policy-no-public-or-foreign-principal", {"repositoryPolicy": None}, "sets no repositoryPolicy"),
    ("ecr-policy-no-public-or-foreign-principal",
     {"repositoryPolicy": json.dumps({"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]})}, "allows principal *"),
])
def test_replicas_escape_no_control_through_their_template(pack, policy, changes, expected):
    """What ECR creates from a template (replicas) is judged like a repository: a mutable, AES256 or
    policy-less template fires."""
    props = {k: v for k, v in {**TEMPLATE_BASELINE, **changes}.items() if v is not None}
    found = violations(pack, policy, resource(TEMPLATE, props, name="dev-ai-registry-eu-central-1-template"))
    assert found and expected in found[0].message


@pytest.mark.parametrize("pattern, expected", [("**", "matches every tag"), ("*", "matches every tag"),
                                               ("?*", "not one ECR accepts")])
def test_exclusions_that_leave_every_tag_mutable_fire(pack, pattern, expected):
    found = violations(pack, "ecr-repository-immutable-tags", repo(
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": "dev-*", "filterType": "WILDCARD"},
                                            {"filter": pattern, "filterType": "WILDCARD"}]))
    assert len(found) == 1 and expected in found[0].message


def test_unknown_exclusion_filter_is_reported_not_passed(pack):
    found = violations(pack, "ecr-repository-immutable-tags", repo(
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=[
            {"filter": UNKNOWN, "filterType": "WILDCARD"}]))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
TAGGED_RULE = {"rulePriority": 2, "description": "keep 10 releases", "action": {"type": "expire"},
               "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan",
                             "countNumber": 10}}


def lifecycle_with(*extra_rules):
    from components.registry import lifecycle_policy

    rendered = json.loads(lifecycle_policy(14))
    return json.dumps({"rules": rendered["rules"] + list(extra_rules)})


@pytest.mark.parametrize("typ, field", [(LIFECYCLE, "policy"), (TEMPLATE, "lifecyclePolicy")])
def test_the_registrys_lifecycle_keeps_tagged_images(pack, typ, field):
    assert violations(pack, "ecr-lifecycle-keeps-tagged-images",
                      resource(typ, {"repository": "dev-ai/serving", field: lifecycle_with()})) == []


@pytest.mark.parametrize("typ, field", [(LIFECYCLE, "policy"), (TEMPLATE, "lifecyclePolicy")])
@pytest.mark.parametrize("rule, selects", [
    (TAGGED_RULE, 'tagged images matching ["v"]'),
    ({**TAGGED_RULE, "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days",
                                   "countNumber": 400}}, "every image"),
    ({**TAGGED_RULE, "selection": {"tagStatus": "TAGGED", "tagPrefixList": ["v"]}}, "images of tagStatus 'TAGGED', which ECR does not define"),
])
def test_a_rule_that_can_select_tagged_images_fires(pack, typ, field, rule, selects):
    found = violations(pack, "ecr-lifecycle-keeps-tagged-images",
                       resource(typ, {"repository": "dev-ai/serving", field: lifecycle_with(rule)}))
    assert len(found) == 1 and "RAZ-CHG-005" in found[0].message and found[0].enforcement == "mandatory"
    assert f"rule 2 (keep 10 releases) selects {selects}" in found[0].message


def test_a_lifecycle_that_cannot_be_read_fires(pack):
    found = violations(pack, "ecr-lifecycle-keeps-tagged-images", resource(LIFECYCLE, {"policy": "{not json"}))
    assert len(found) == 1 and "what it expires cannot be judged" in found[0].message


def test_unknown_lifecycle_is_reported_not_passed(pack):
    found = violations(pack, "ecr-lifecycle-keeps-tagged-images", resource(LIFECYCLE, {"policy": UNKNOWN}))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message
