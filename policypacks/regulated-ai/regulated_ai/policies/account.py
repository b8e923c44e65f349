"""Account-wide settings (controls RAZ-S3-002, RAZ-ORG-005, RAZ-ORG-006): the S3 account public
access block, EBS encryption by default with a customer-managed key, and IAM Access Analyzer.

A stack that creates the account public access block is an account baseline: it must then own
the Regional settings in every allowed Region (settings `allowed_regions`). Any stack that
creates one of the Regional settings must get it right in that Region. Zone stacks create none.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.residency import region_of
from regulated_ai.policies.s3 import PUBLIC_ACCESS_BLOCK_FLAGS
from regulated_ai.types import (ACCESS_ANALYZER, EBS_DEFAULT_KMS_KEY, EBS_ENCRYPTION_BY_DEFAULT, KMS_KEY,
                                S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)

# Analyzer types that report resources shared outside the zone of trust (IAM Access Analyzer API
# reference, CreateAnalyzer `type`); the *_UNUSED_ACCESS types report unused permissions instead.
EXTERNAL_ACCESS_TYPES = ("ACCOUNT", "ORGANIZATION")


@resource_policy(
    "s3-account-public-access-block",
    description="The S3 account public access block has all four flags on.",
    controls=["RAZ-S3-002"], types=[S3_ACCOUNT_PUBLIC_ACCESS_BLOCK])
def s3_account_public_access_block(block: ResourceView) -> Iterator[str]:
    off = [flag for flag in PUBLIC_ACCESS_BLOCK_FLAGS if block.known(flag, False) is not True]
    if off:
        yield f"account public access block '{block.name}' leaves {', '.join(off)} off: set all four flags to true."


def _regions(stack: StackView, *types: str) -> set[str]:
    """Regions the stack must cover: those of the given settings it creates, and every allowed Region
    when it owns the account's public access block (an account baseline)."""
    regions = {region_of(r) or "" for r in stack.of_type(*types)}
    if any(True for _ in stack.of_type(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)):
        regions |= set(stack.settings.allowed_regions)
    return regions


def _customer_key(default_key: ResourceView) -> bool:
    """The default key is a KMS key this stack creates (a customer-managed key), not alias/aws/ebs."""
    return any(d.type == KMS_KEY for d in default_key.property_dependencies.get("keyArn", []))


@stack_policy(
    "ebs-encryption-by-default-cmk",
    description="Where a stack sets EBS encryption by default (an account baseline: in every allowed Region), it is "
                "on and its default key is a customer-managed key of the stack.",
    controls=["RAZ-ORG-005"], types=(EBS_ENCRYPTION_BY_DEFAULT, EBS_DEFAULT_KMS_KEY))
def ebs_encryption_by_default_cmk(stack: StackView) -> Iterator[tuple[str, str]]:
    enabled: dict[str, list[ResourceView]] = {}
    for setting in stack.of_type(EBS_ENCRYPTION_BY_DEFAULT):
        if setting.known("enabled", True) is not True:
            yield setting.urn, f"'{setting.name}' switches EBS encryption by default off: set enabled to true."
        else:
            enabled.setdefault(region_of(setting) or "", []).append(setting)
    keys: dict[str, list[ResourceView]] = {}
    for key in stack.of_type(EBS_DEFAULT_KMS_KEY):
        keys.setdefault(region_of(key) or "", []).append(key)
        if not _customer_key(key):
            yield key.urn, (f"'{key.name}' makes EBS encrypt with a key this stack does not create (the AWS managed "
                            "aws/ebs key, or one nobody here controls): point keyArn at the baseline's volumes key.")
    for region in sorted(_regions(stack, EBS_ENCRYPTION_BY_DEFAULT, EBS_DEFAULT_KMS_KEY)):
        where = region or "(no Region)"
        if region not in enabled:
            yield "", f"EBS encryption by default is not enabled in {where}: add aws.ebs.EncryptionByDefault there."
        if region not in keys:
            yield "", (f"EBS encryption by default in {where} has no customer-managed default key (it would use "
                       "aws/ebs): add aws.ebs.DefaultKmsKey with the baseline's volumes key.")


@stack_policy(
    "access-analyzer-external-access",
    description="Where a stack creates IAM Access Analyzer analyzers (an account baseline: in every allowed Region), "
                "an ACCOUNT or ORGANIZATION analyzer reports external access there.",
    controls=["RAZ-ORG-006"], types=(ACCESS_ANALYZER,))
def access_analyzer_external_access(stack: StackView) -> Iterator[tuple[str, str]]:
    covered = {region_of(a) or "" for a in stack.of_type(ACCESS_ANALYZER)
               if a.known("type", "ACCOUNT") in EXTERNAL_ACCESS_TYPES}
    for region in sorted(_regions(stack, ACCESS_ANALYZER) - covered):
        yield "", (f"no IAM Access Analyzer for external access (type ACCOUNT or ORGANIZATION) in "
                   f"{region or '(no Region)'}: add aws.accessanalyzer.Analyzer there.")
