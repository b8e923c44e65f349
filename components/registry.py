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

from components.iam_documents import service_trust_policy
from components.kms_policy import key_policy
from components.zone_keys import DELETION_WINDOW_DAYS
from regzone.tags import TAG_ZONE
from regzone_core.registry_intake import parameter_name
from regzone_core.registry_scanning import scanning_problem

PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
PUSH_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                "ecr:BatchCheckLayerAvailability"]
# Actions that change which images the repository serves: only the promotion role may call them.
IMAGE_WRITE_ACTIONS = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                       "ecr:BatchDeleteImage"]
# The management writes `pulumi up` performs on a repository (Repository updates, RepositoryPolicy,
# LifecyclePolicy and their deletion on replace): only the deployer may call them. A resource policy
# binds its own caller too, so a deny without this exemption refuses the second `pulumi up`.
MANAGEMENT_ACTIONS = ["ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy", "ecr:PutLifecyclePolicy",
                      "ecr:DeleteLifecyclePolicy", "ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration"]
# Deleting a repository (with `force`) deletes its images: nobody, the deployer included (repositories
# are retained on `pulumi destroy`; decommissioning removes this policy first).
DELETE_ACTIONS = ["ecr:DeleteRepository"]
# Reads that hand out images, their layers or their list: denied to every principal outside the
# zone's pull list, because within one account an identity policy allow (such as the
# AmazonEC2ContainerRegistryPullOnly policy on another zone's nodes) suffices without this deny.
READ_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
                "ecr:ListImages", "ecr:DescribeImages"]
# AWS features that read repositories on the zone's behalf act through service-linked roles in the
# account, not service principals, so `aws:PrincipalIsAWSService` does not exempt them (IAM global
# condition keys: it is true only for calls made with a service principal): ECR replication
# (AWSServiceRoleForECRReplication, ECR user guide "Amazon ECR service-linked role for replication")
# and Amazon Inspector enhanced scanning (AWSServiceRoleForAmazonInspector2, ECR user guide "IAM
# permissions required for enhanced scanning"). Service-linked roles can only be assumed by their service.
SERVICE_LINKED_READERS = ("replication.ecr.amazonaws.com", "inspector2.amazonaws.com")


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
    region: str
    repositories: Sequence[str]
    kms_key_arn: pulumi.Input[str]
    promotion_role_arn: pulumi.Input[str]
    # The role that runs `pulumi up` (stack config `deployer_role_arn`).
    deployer_role_arn: pulumi.Input[str]
    pull_principal_arns: Sequence[pulumi.Input[str]]
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    tag_exclusion_patterns: Sequence[str] = ()
    untagged_expiry_days: int = 14
    # Destination regions: each gets a repository creation template and a regional artifacts key.
    replication_regions: Sequence[str] = ()
    # Key policy principals of the regional artifacts keys (as the zone keys'): required, both
    # non-empty, when there are replication regions.
    key_administrators: Sequence[pulumi.Input[str]] = ()
    key_users: Sequence[pulumi.Input[str]] = ()
    # False when the account baseline (or another stack) owns the account's registry scanning
    # configuration: the registry then checks the live configuration at deploy time.
    owns_registry_settings: bool = True
    artifacts: Sequence[ArtifactRecord] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def _service_linked_role_patterns(partition: str, account_id: str) -> list[str]:
    return [f"arn:{partition}:iam::{account_id}:role/aws-service-role/{service}/*"
            for service in SERVICE_LINKED_READERS]


def repository_policy(*, pull_principals: Sequence[str], promotion_role: str, deployer_role: str,
                      account_id: str, partition: str = "aws") -> str:
    """Pull for the zone's roles, push for the promotion role, management for the deployer; every
    image write, management write and image read by anyone else is denied."""
    pullers = sorted(set(pull_principals))
    readers = sorted({*pullers, promotion_role}) + _service_linked_role_patterns(partition, account_id)
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ZonePull", "Effect": "Allow", "Principal": {"AWS": pullers}, "Action": PULL_ACTIONS},
        {"Sid": "PromotionPush", "Effect": "Allow", "Principal": {"AWS": [promotion_role]},
         "Action": PUSH_ACTIONS},
        {"Sid": "OnlyPromotionWritesImages", "Effect": "Deny", "Principal": "*", "Action": IMAGE_WRITE_ACTIONS,
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": promotion_role}}},
        {"Sid": "OnlyDeployerManages", "Effect": "Deny", "Principal": "*", "Action": MANAGEMENT_ACTIONS,
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": deployer_role}}},
        {"Sid": "NoRepositoryDeletion", "Effect": "Deny", "Principal": "*", "Action": DELETE_ACTIONS},
        # A direct call by an AWS service principal carries no principal ARN of this account: the
        # IfExists form keeps such calls out of the deny (IAM global condition keys, PrincipalIsAWSService).
        {"Sid": "OnlyZoneReads", "Effect": "Deny", "Principal": "*", "Action": READ_ACTIONS,
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": readers},
                       "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
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


def _checked_scanning(zone_name: str, region: str, repositories: Sequence[str], live) -> str:
    """The live scanning configuration of one region, or a deployment failure that says what to fix."""
    problem = scanning_problem(live[0], [_rule_dict(r) for r in live[1] or []], repositories)
    if problem:
        raise ValueError(f"zone {zone_name}: the account's ECR registry scanning configuration in {region} (owned by the "
                         f"account baseline) does not scan the zone's repositories continuously: {problem}. List this "
                         "zone stack in regzone-baseline:zone_stacks of the account baseline (it adds a CONTINUOUS_SCAN "
                         f"rule with the WILDCARD filter '{zone_name}/*') and update the baseline first")
    return "continuous (registry settings owned by the account baseline)"


def _field(value, snake: str, camel: str):
    """A field of a provider output object (or of its plain dict form)."""
    return value.get(snake, value.get(camel)) if isinstance(value, dict) else getattr(value, snake, None)


def _rule_dict(rule) -> dict:
    return {"scan_frequency": _field(rule, "scan_frequency", "scanFrequency"),
            "repository_filters": [{"filter": _field(f, "filter", "filter"),
                                    "filter_type": _field(f, "filter_type", "filterType")}
                                   for f in _field(rule, "repository_filters", "repositoryFilters") or []]}


class RestrictedRegistry(pulumi.ComponentResource):
    """ECR repositories, their policies, the creation templates and keys of replication
    destinations, and the intake manifest of one zone. Registry-wide settings (scanning,
    replication) are account singletons: the account baseline's `RegistrySettings` owns them."""

    repositories: dict[str, aws.ecr.Repository]
    repository_urls: dict[str, pulumi.Output[str]]
    creation_templates: list[aws.ecr.RepositoryCreationTemplate]

    def __init__(self, name: str, args: RestrictedRegistryArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:registry:RestrictedRegistry", name, None, opts)
        if not args.repositories:
            raise ValueError(f"RestrictedRegistry {name}: at least one repository is required")
        if not args.pull_principal_arns:
            raise ValueError(f"RestrictedRegistry {name}: no principal may pull; give the zone's node or workload roles")
        if args.replication_regions and not (args.key_administrators and args.key_users):
            raise ValueError(f"RestrictedRegistry {name}: replication regions get artifacts keys, whose policies need "
                             "key_administrators and key_users (the zone's); without them the account root would "
                             "both administer and use the keys")
        unknown = sorted({a.repository for a in args.artifacts} - set(args.repositories))
        if unknown:
            raise ValueError(f"RestrictedRegistry {name}: artifacts name unknown repositories {unknown}; "
                             f"valid: {list(args.repositories)}")
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        self.mutability = "IMMUTABLE_WITH_EXCLUSION" if args.tag_exclusion_patterns else "IMMUTABLE"
        self.policy = pulumi.Output.all(args.promotion_role_arn, args.deployer_role_arn, args.account_id,
                                        args.partition, *args.pull_principal_arns).apply(
            lambda v: repository_policy(promotion_role=v[0], deployer_role=v[1], account_id=v[2], partition=v[3],
                                        pull_principals=v[4:]))
        self.lifecycle = lifecycle_policy(args.untagged_expiry_days)
        per_repository = {repo: [a for a in args.artifacts if a.repository == repo] for repo in args.repositories}
        scanning = self._scanning_check()

        self.repositories = {}
        for repo in args.repositories:
            slug = repo.replace("/", "-")
            tags = {**args.tags, "regzone:promoted-artifacts": str(len(per_repository[repo]))}
            if scanning is not None:
                tags["regzone:registry-scanning"] = scanning
            repository = aws.ecr.Repository(
                f"{name}-{slug}",
                name=f"{args.zone_name}/{repo}",
                image_tag_mutability=self.mutability,
                image_tag_mutability_exclusion_filters=[
                    aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=p, filter_type="WILDCARD")
                    for p in args.tag_exclusion_patterns] or None,
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.kms_key_arn)],
                force_delete=False,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
            )
            # The lifecycle policy first, then the repository policy that reserves management writes
            # to the deployer: neither call can then be refused by a policy set a moment earlier.
            lifecycle = aws.ecr.LifecyclePolicy(f"{name}-{slug}-lifecycle", repository=repository.name,
                                                policy=self.lifecycle, opts=child)
            aws.ecr.RepositoryPolicy(f"{name}-{slug}-policy", repository=repository.name, policy=self.policy,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[lifecycle]))
            self.repositories[repo] = repository

        self.creation_templates = []
        if args.replication_regions:
            role = aws.iam.Role(
                f"{name}-template-role",
                description=f"ECR creates {args.zone_name} replica repositories with the zone's template",
                # As the ECR user guide's trust policy: ECR assumes it when it creates a repository.
                assume_role_policy=service_trust_policy("ecr.amazonaws.com"), opts=child)
            self.creation_templates = [self._replication_destination(region, role)
                                       for region in args.replication_regions]
        # The intake manifest: parameter history in SSM records every change of what was promoted.
        self.intake_manifest = aws.ssm.Parameter(
            f"{name}-intake-manifest",
            name=parameter_name(args.zone_name),
            type="String", tier="Advanced",
            insecure_value=intake_manifest(args.zone_name, args.artifacts),  # metadata, readable in diffs
            description=f"regulated AI zone {args.zone_name}: intake records of promoted artifacts (seed 001)",
            opts=child)
        self.repository_urls = {repo: r.repository_url for repo, r in self.repositories.items()}
        self.register_outputs({"repository_urls": self.repository_urls})

    def _scanning_check(self) -> pulumi.Output[str] | None:
        """When another stack owns the registry settings: read the live scanning configuration of
        every region holding the zone's repositories (pulumi-aws has no data source for it, so a
        read-only `get`), and fail the deployment unless it scans them continuously."""
        args = self._args
        if args.owns_registry_settings:
            return None
        names = [f"{args.zone_name}/{repo}" for repo in args.repositories]
        results = []
        for region in (args.region, *args.replication_regions):
            live = aws.ecr.RegistryScanningConfiguration.get(
                f"{self._name}-live-scanning-{region}", args.account_id, region=region,
                opts=pulumi.ResourceOptions(parent=self))
            results.append(pulumi.Output.all(live.scan_type, live.rules).apply(
                lambda v, r=region: _checked_scanning(args.zone_name, r, names, v)))
        return pulumi.Output.all(*results).apply(lambda checked: checked[0])

    def _replication_destination(self, region: str, role: aws.iam.Role) -> aws.ecr.RepositoryCreationTemplate:
        """What ECR replication creates in `region` gets the zone's settings, not the defaults
        (MUTABLE, AES256, no policy): a creation template for the zone's prefix, encrypted with a
        regional artifacts key (ECR needs a key in the repository's own region) that ECR uses
        through a custom role (a template with KMS or tags requires one: ECR user guide,
        "Creating a repository creation template" and "Create an IAM role for repository creation
        templates")."""
        args, name = self._args, f"{self._name}-{region}"
        admins, users = len(args.key_administrators), len(args.key_users)
        key_policy_document = pulumi.Output.all(
            args.account_id, args.partition, role.arn, args.deployer_role_arn,
            *args.key_administrators, *args.key_users).apply(
            lambda v: key_policy(purpose="artifacts", zone_name=args.zone_name, account_id=v[0], region=region,
                                 partition=v[1], deployer=v[3],
                                 administrators=list(v[4:4 + admins]), users=[*v[4 + admins:4 + admins + users], v[2]]))
        key = aws.kms.Key(
            f"{name}-artifacts-key", region=region,
            description=f"regulated AI zone {args.zone_name}: artifacts key for replicas in {region}",
            key_usage="ENCRYPT_DECRYPT", customer_master_key_spec="SYMMETRIC_DEFAULT", enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS, multi_region=False, policy=key_policy_document,
            tags={**args.tags, "purpose": "artifacts"},
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
        aws.kms.Alias(f"{name}-artifacts-alias", region=region, name=f"alias/{args.zone_name}/artifacts",
                      target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=self))
        access = aws.iam.RolePolicy(
            f"{name}-template-access", role=role.id,
            policy=pulumi.Output.all(args.partition, args.account_id, key.arn).apply(
                lambda v: template_role_policy(partition=v[0], account_id=v[1], region=region,
                                               zone_name=args.zone_name, key_arn=v[2])),
            opts=pulumi.ResourceOptions(parent=self))
        return aws.ecr.RepositoryCreationTemplate(
            f"{name}-template", region=region, prefix=args.zone_name, applied_fors=["REPLICATION"],
            description=f"regulated AI zone {args.zone_name}: replicas get the zone's repository settings",
            image_tag_mutability=self.mutability,
            image_tag_mutability_exclusion_filters=[
                aws.ecr.RepositoryCreationTemplateImageTagMutabilityExclusionFilterArgs(
                    filter=p, filter_type="WILDCARD") for p in args.tag_exclusion_patterns] or None,
            encryption_configurations=[aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=key.arn)],
            repository_policy=self.policy, lifecycle_policy=self.lifecycle, custom_role_arn=role.arn,
            resource_tags={**args.tags, TAG_ZONE: args.zone_name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access]))


def template_role_policy(*, partition: str, account_id: str, region: str, zone_name: str, key_arn: str) -> str:
    """What ECR does with the template role: create the zone's replicas in `region` and use their key
    (the ECR user guide's custom policy for creation templates, scoped to the zone and the key)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "CreateZoneReplicas", "Effect": "Allow",
         "Action": ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
         "Resource": f"arn:{partition}:ecr:{region}:{account_id}:repository/{zone_name}/*"},
        {"Sid": "UseReplicaKey", "Effect": "Allow",
         "Action": ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], "Resource": key_arn},
    ]}, sort_keys=True)
