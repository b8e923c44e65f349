"""The zone's restricted registry (controls RAZ-ECR-*): only promoted artifacts, pulled only by the zone.

Seed 001's intake pattern: artifacts are acquired and verified elsewhere, then promoted here by one
named role; production pulls only from here. Tags are immutable (exclusions only for configured
patterns), every push is scanned, images are encrypted with the zone artifacts key, untagged
images expire, and the intake record of each promoted artifact is kept as a manifest.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                "ecr:BatchCheckLayerAvailability"]
# Actions that change what the repository serves: only the promotion role may call them.
WRITE_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                 "ecr:BatchDeleteImage", "ecr:PutImageTagMutability", "ecr:SetRepositoryPolicy",
                 "ecr:DeleteRepositoryPolicy", "ecr:PutLifecyclePolicy"]


@dataclass
class ArtifactRecord:
    """Intake metadata of one promoted artifact (seed 001)."""

    repository: str
    tag: str
    source: str
    checksum: str
    signer: str
    approval: str
    permitted_environments: Sequence[str]
    review_date: str


@dataclass
class RestrictedRegistryArgs:
    zone_name: str
    repositories: Sequence[str]
    kms_key_arn: pulumi.Input[str]
    promotion_role_arn: pulumi.Input[str]
    pull_principal_arns: Sequence[pulumi.Input[str]]
    account_id: pulumi.Input[str]
    tag_exclusion_patterns: Sequence[str] = ()
    untagged_expiry_days: int = 14
    replication_regions: Sequence[str] = ()
    artifacts: Sequence[ArtifactRecord] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def repository_policy(pull_principals: Sequence[str], promotion_role: str) -> str:
    """Pull for the zone's roles, push for the promotion role, and writes denied to everyone else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ZonePull", "Effect": "Allow", "Principal": {"AWS": sorted(set(pull_principals))},
         "Action": PULL_ACTIONS},
        {"Sid": "PromotionPush", "Effect": "Allow", "Principal": {"AWS": [promotion_role]},
         "Action": PUSH_ACTIONS},
        {"Sid": "OnlyPromotionWrites", "Effect": "Deny", "Principal": "*", "Action": WRITE_ACTIONS,
         "Condition": {"StringNotEquals": {"aws:PrincipalArn": promotion_role}}},
    ]}, sort_keys=True)


def lifecycle_policy(untagged_expiry_days: int) -> str:
    return json.dumps({"rules": [{
        "rulePriority": 1,
        "description": f"expire untagged images after {untagged_expiry_days} days",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                      "countNumber": untagged_expiry_days},
        "action": {"type": "expire"},
    }]})


def intake_manifest(zone_name: str, artifacts: Sequence[ArtifactRecord]) -> str:
    return json.dumps({"zone": zone_name, "artifacts": [
        {"repository": a.repository, "tag": a.tag, "source": a.source, "checksum": a.checksum,
         "signer": a.signer, "approval": a.approval,
         "permitted_environments": sorted(a.permitted_environments), "review_date": a.review_date}
        for a in artifacts]}, sort_keys=True)


class RestrictedRegistry(pulumi.ComponentResource):
    """ECR repositories, registry-wide continuous scanning and the intake manifest of one zone."""

    repositories: dict[str, aws.ecr.Repository]
    repository_urls: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: RestrictedRegistryArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:registry:RestrictedRegistry", name, None, opts)
        if not args.repositories:
            raise ValueError(f"RestrictedRegistry {name}: at least one repository is required")
        if not args.pull_principal_arns:
            raise ValueError(f"RestrictedRegistry {name}: no principal may pull; give the zone's node or workload roles")
        unknown = sorted({a.repository for a in args.artifacts} - set(args.repositories))
        if unknown:
            raise ValueError(f"RestrictedRegistry {name}: artifacts name unknown repositories {unknown}; "
                             f"valid: {list(args.repositories)}")
        child = pulumi.ResourceOptions(parent=self)
        mutability = "IMMUTABLE_WITH_EXCLUSION" if args.tag_exclusion_patterns else "IMMUTABLE"
        policy = pulumi.Output.all(args.promotion_role_arn, *args.pull_principal_arns).apply(
            lambda arns: repository_policy(arns[1:], arns[0]))
        per_repository = {repo: [a for a in args.artifacts if a.repository == repo] for repo in args.repositories}

        self.repositories = {}
        for repo in args.repositories:
            slug = repo.replace("/", "-")
            repository = aws.ecr.Repository(
                f"{name}-{slug}",
                name=f"{args.zone_name}/{repo}",
                image_tag_mutability=mutability,
                image_tag_mutability_exclusion_filters=[
                    aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=p, filter_type="WILDCARD")
                    for p in args.tag_exclusion_patterns] or None,
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.kms_key_arn)],
                force_delete=False,
                tags={**args.tags, "regzone:promoted-artifacts": str(len(per_repository[repo]))},
                opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
            )
            aws.ecr.RepositoryPolicy(f"{name}-{slug}-policy", repository=repository.name, policy=policy, opts=child)
            aws.ecr.LifecyclePolicy(f"{name}-{slug}-lifecycle", repository=repository.name,
                                    policy=lifecycle_policy(args.untagged_expiry_days), opts=child)
            self.repositories[repo] = repository

        # Registry-wide (one per account and region): every repository is scanned continuously.
        aws.ecr.RegistryScanningConfiguration(
            f"{name}-scanning", scan_type="ENHANCED",
            rules=[aws.ecr.RegistryScanningConfigurationRuleArgs(
                scan_frequency="CONTINUOUS_SCAN",
                repository_filters=[aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                    filter="*", filter_type="WILDCARD")])],
            opts=child)
        if args.replication_regions:
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(rules=[
                    aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                        destinations=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                            region=region, registry_id=args.account_id) for region in args.replication_regions],
                        repository_filters=[
                            aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                filter=f"{args.zone_name}/", filter_type="PREFIX_MATCH")])]),
                opts=child)
        # The intake manifest: parameter history in SSM records every change of what was promoted.
        self.intake_manifest = aws.ssm.Parameter(
            f"{name}-intake-manifest",
            name=f"/regzone/{args.zone_name}/registry/intake-manifest",
            type="String", tier="Advanced",
            insecure_value=intake_manifest(args.zone_name, args.artifacts),  # metadata, readable in diffs
            description=f"regulated AI zone {args.zone_name}: intake records of promoted artifacts (seed 001)",
            opts=child)
        self.repository_urls = {repo: r.repository_url for repo, r in self.repositories.items()}
        self.register_outputs({"repository_urls": self.repository_urls})
