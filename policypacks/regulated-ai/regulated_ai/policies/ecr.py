"""Restricted registry policies (controls RAZ-ECR-001..005, and RAZ-CHG-005 for lifecycle rules). Registry policy documents are judged by
what they permit (regzone_core.policy), as the evidence checks judge them."""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.boundary import account_problems
from regulated_ai.documents import PolicyProblem, parsed_policy, zone_account
from regulated_ai.framework import ResourceView, Unverifiable, is_unknown, unverifiable, resource_policy
from regulated_ai.types import (ECR_LIFECYCLE_POLICY, ECR_PUBLIC_REPOSITORY_POLICY, ECR_PULL_THROUGH_CACHE_RULE, ECR_REGISTRY_POLICY,
                                ECR_REGISTRY_SCANNING_CONFIGURATION, ECR_REPLICATION_CONFIGURATION, ECR_REPOSITORY,
                                ECR_REPOSITORY_CREATION_TEMPLATE, ECR_REPOSITORY_POLICY)
from regzone_core.policy import Policy, grants
from regzone_core.policy.evaluation import account_of, is_account_principal
from regzone_core.policy.verdicts import open_grants
from regzone_core.registry_lifecycle import tagged_image_rules
from regzone_core.registry_scanning import scanning_problem
from regzone_core.registry_tags import exclusion_problem

IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
# The AWS-managed ECR key: AWS, not the zone, controls who may use it.
_AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/ecr$")
# A creation template is the repository settings of every repository ECR creates for its prefix
# (replicas included): judged like a repository, or replicas escape the controls.
REPOSITORY_SETTINGS = [ECR_REPOSITORY, ECR_REPOSITORY_CREATION_TEMPLATE]


def _kind(resource: ResourceView) -> str:
    return "ECR repository creation template" if resource.type == ECR_REPOSITORY_CREATION_TEMPLATE else "ECR repository"


@resource_policy(
    "ecr-repository-immutable-tags",
    description="ECR repositories and creation templates must have immutable tags (exclusions only for "
                "explicit patterns).",
    controls=["RAZ-ECR-001"], types=REPOSITORY_SETTINGS)
def ecr_repository_immutable_tags(repo: ResourceView) -> Iterator[str]:
    mutability = repo.known("imageTagMutability", "MUTABLE")
    if mutability not in IMMUTABLE:
        yield (f"{_kind(repo)} '{repo.name}' has {mutability} tags: a promoted tag could be overwritten. "
               "Set imageTagMutability to IMMUTABLE.")
    elif mutability == "IMMUTABLE_WITH_EXCLUSION":
        filters = repo.known("imageTagMutabilityExclusionFilters", None) or []
        if any(is_unknown(f) or (isinstance(f, dict) and any(map(is_unknown, f.values()))) for f in filters):
            raise Unverifiable("imageTagMutabilityExclusionFilters")
        problem = exclusion_problem(filters)
        if problem:
            yield (f"{_kind(repo)} '{repo.name}': {problem}; name the mutable-tag patterns explicitly "
                   "or use IMMUTABLE.")


@resource_policy(
    "ecr-repository-scan-on-push",
    description="ECR repositories must scan every image on push.",
    controls=["RAZ-ECR-002"], types=[ECR_REPOSITORY])
def ecr_repository_scan_on_push(repo: ResourceView) -> Iterator[str]:
    if repo.flag("imageScanningConfiguration.scanOnPush", False) is not True:
        yield (f"ECR repository '{repo.name}' does not scan on push: set "
               "imageScanningConfiguration.scanOnPush to true.")


def _rule_dict(rule: dict) -> dict:
    """A scanning rule in the shape scanning_problem reads (the API's own names)."""
    filters = rule.get("repositoryFilters") or []
    return {"scan_frequency": rule.get("scanFrequency"),
            "repository_filters": [{"filter": f.get("filter"), "filter_type": f.get("filterType")}
                                   for f in filters if isinstance(f, dict)]}


@resource_policy(
    "ecr-registry-scanning-enhanced",
    description="A registry scanning configuration (which replaces every repository's own scan-on-push setting) "
                "must scan the zones' repositories continuously with enhanced scanning.",
    controls=["RAZ-ECR-002"], types=[ECR_REGISTRY_SCANNING_CONFIGURATION])
def ecr_registry_scanning_enhanced(config: ResourceView) -> Iterator[str]:
    # The registry-level configuration is what ECR applies (PutImageScanningConfiguration "is being
    # deprecated in favor of specifying the image scanning configuration at the registry level").
    rules = config.known("rules", None) or []
    for index, rule in enumerate(rules):
        if is_unknown(rule) or not isinstance(rule, dict):
            raise Unverifiable(f"rules.{index}")
    repositories = [f"{zone}/any-repository" for zone in sorted(config.settings.zones)]
    problem = scanning_problem(config.known("scanType", None), [_rule_dict(r) for r in rules], repositories)
    if problem is None and not any(r.get("scanFrequency") == "CONTINUOUS_SCAN" for r in rules):
        problem = "no rule scans continuously"
    if problem:
        yield (f"registry scanning configuration '{config.name}': {problem}. Set scanType ENHANCED with a "
               "CONTINUOUS_SCAN rule whose WILDCARD filters cover '<zone>/*' for every zone (RegistrySettings does).")


@resource_policy(
    "ecr-repository-kms-encryption",
    description="ECR repositories and creation templates must be encrypted with a customer-managed KMS key "
                "(the zone artifacts key).",
    controls=["RAZ-ECR-003"], types=REPOSITORY_SETTINGS)
def ecr_repository_kms_encryption(repo: ResourceView) -> Iterator[str]:
    configurations = repo.known("encryptionConfigurations", None) or []
    if not configurations:
        yield (f"{_kind(repo)} '{repo.name}' has no encryption configuration, so it uses AES256; "
               "set encryptionType KMS with the zone artifacts key.")
        return
    for configuration in configurations:
        kind = configuration.get("encryptionType", "AES256") if isinstance(configuration, dict) else None
        if kind not in ("KMS", "KMS_DSSE"):
            yield (f"{_kind(repo)} '{repo.name}' is encrypted with {kind}, not KMS: "
                   "set encryptionType KMS with the zone artifacts key.")
            continue
        key = configuration.get("kmsKey")
        if is_unknown(key):
            raise unverifiable(key, "encryptionConfigurations.kmsKey")
        if not key or _AWS_MANAGED_KEY.search(str(key)):
            yield (f"{_kind(repo)} '{repo.name}' uses the AWS-managed ECR key; "
                   "set kmsKey to the zone artifacts key.")


@resource_policy(
    "ecr-no-pull-through-cache",
    description="The restricted registry may not mirror upstream registries (pull-through cache rules).",
    controls=["RAZ-ECR-005"], types=[ECR_PULL_THROUGH_CACHE_RULE])
def ecr_no_pull_through_cache(rule: ResourceView) -> Iterator[str]:
    upstream = rule.get("upstreamRegistryUrl", "an upstream registry")
    yield (f"pull-through cache rule '{rule.name}' lets the zone pull unpromoted images from {upstream}; "
           "promote artifacts through the intake process instead.")


def _grant_problems(policy: ResourceView, document: Policy) -> Iterator[str]:
    """Who the policy's Allows admit, judged by what they permit: no one outside the zone's
    account, no service principal and no whole account (the zone's roles are named by ARN)."""
    account = zone_account(policy.settings)
    for problem in open_grants(document, account, cross_account=True):
        yield f"'{policy.name}': {problem}; grant named zone roles."
    for grant in grants(document, resource_account=account):
        label, principal = grant.statement.label, grant.principal
        if principal.kind == "Service":
            yield f"'{policy.name}': {label} grants the service {principal.value}; grant named zone roles."
        elif principal.kind != "AWS":
            yield f"'{policy.name}': {label} grants the {principal.kind} principal {principal.value!r}, which names no account."
        elif not principal.is_everyone and is_account_principal(principal.value):
            yield (f"'{policy.name}': {label} grants the whole account {account_of(principal.value)}; "
                   "grant the zone's node, workload and promotion roles by ARN.")


@resource_policy(
    "ecr-policy-no-public-or-foreign-principal",
    description="ECR repository, registry and creation-template policies may grant only named principals of "
                "the zone's account.",
    controls=["RAZ-ECR-004"], types=[ECR_REPOSITORY_POLICY, ECR_PUBLIC_REPOSITORY_POLICY, ECR_REGISTRY_POLICY,
                                     ECR_REPOSITORY_CREATION_TEMPLATE])
def ecr_policy_no_public_or_foreign_principal(policy: ResourceView) -> Iterator[str]:
    path = "repositoryPolicy" if policy.type == ECR_REPOSITORY_CREATION_TEMPLATE else "policy"
    try:
        document = parsed_policy(policy, path)
    except PolicyProblem as problem:
        yield str(problem)
        return
    if document is None:
        if policy.type == ECR_REPOSITORY_CREATION_TEMPLATE:
            yield (f"creation template '{policy.name}' sets no repositoryPolicy: the repositories ECR creates from it "
                   "would have no policy keeping other principals out; set the zone's repository policy.")
        return
    yield from _grant_problems(policy, document)


@resource_policy(
    "ecr-replication-allowed-regions",
    description="ECR replication may target only regions the residency settings allow, in the zone's account.",
    controls=["RAZ-ECR-005", "RAZ-EGR-001"], types=[ECR_REPLICATION_CONFIGURATION])
def ecr_replication_allowed_regions(config: ResourceView) -> Iterator[str]:
    # The configuration is the registry's (one per account and region), shared by the zones whose
    # repository prefixes its rules filter: destinations are judged against the pack-wide regions.
    allowed = config.settings.allowed_regions
    rules = config.known("replicationConfiguration.rules", None) or []
    for rule in rules:
        for destination in (rule.get("destinations") or []) if isinstance(rule, dict) else []:
            region = destination.get("region") if isinstance(destination, dict) else None
            if is_unknown(region):
                raise unverifiable(region, "replicationConfiguration.rules.destinations.region")
            if region not in allowed:
                where = ", ".join(allowed) if allowed else "none (allowed_regions is not configured)"
                yield (f"'{config.name}' replicates images to {region}, outside the allowed regions ({where}).")
            registry = destination.get("registryId") if isinstance(destination, dict) else None
            yield from (p + "." for p in account_problems(
                config, "replicationConfiguration.rules.destinations.registryId", registry,
                "replicates images to the registry of"))


@resource_policy(
    "ecr-lifecycle-keeps-tagged-images",
    description="ECR lifecycle rules (of repositories and creation templates) may select untagged images only: a "
                "tagged image may be the rollback target a deployment record names.",
    controls=["RAZ-CHG-005"], types=[ECR_LIFECYCLE_POLICY, ECR_REPOSITORY_CREATION_TEMPLATE])
def ecr_lifecycle_keeps_tagged_images(resource: ResourceView) -> Iterator[str]:
    field = "lifecyclePolicy" if resource.type == ECR_REPOSITORY_CREATION_TEMPLATE else "policy"
    policy = resource.known(field, None)
    if policy is None:
        return   # a creation template without lifecycle rules expires nothing
    for problem in tagged_image_rules(policy):
        yield f"'{resource.name}' {field}: {problem}."
