"""Account-wide settings of a regulated account (controls RAZ-S3-002, RAZ-ORG-005, RAZ-ORG-006):
singletons the account baseline owns, so that no zone stack creates, overwrites or resets them.

- The S3 account public access block (one per account; S3 Control API, PutPublicAccessBlock):
  the backstop for buckets created outside the zone programs.
- EBS encryption by default with a customer-managed key (one setting and one default key per
  account and Region; EC2 API reference, EnableEbsEncryptionByDefault and ModifyEbsDefaultKmsKeyId):
  every new volume and snapshot copy in the Region is encrypted, with the baseline's volumes key
  unless the launch names another.
- IAM Access Analyzer (analyzers are Regional: IAM User Guide, "Enabling IAM Access Analyzer"):
  an ACCOUNT analyzer in every allowed Region reports resources shared outside the account.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ANALYZER_NAME = "regzone-account"


@dataclass
class AccountSettingsArgs:
    # Region -> the customer-managed key EBS encrypts new volumes with by default in that Region.
    volumes_key_arns: Mapping[str, pulumi.Input[str]]
    # Region -> the provider of that Region (EBS default encryption and analyzers are Regional).
    providers: Mapping[str, pulumi.ProviderResource]
    account_id: pulumi.Input[str]


class AccountSettings(pulumi.ComponentResource):
    """`public_access_block`; per Region `encryption_by_default`, `default_keys` and `analyzers`."""

    public_access_block: aws.s3.AccountPublicAccessBlock
    encryption_by_default: dict[str, aws.ebs.EncryptionByDefault]
    default_keys: dict[str, aws.ebs.DefaultKmsKey]
    analyzers: dict[str, aws.accessanalyzer.Analyzer]

    def __init__(self, name: str, args: AccountSettingsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:account:AccountSettings", name, None, opts)
        if not args.volumes_key_arns or set(args.volumes_key_arns) != set(args.providers):
            raise ValueError(f"AccountSettings {name}: give a volumes key and a provider for every Region, got keys "
                             f"for {sorted(args.volumes_key_arns)} and providers for {sorted(args.providers)}")
        # Kept on destroy: destroying the baseline must not reopen the account (a destroyed
        # public access block or default encryption is reset to AWS's defaults, which are off).
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        self.public_access_block = aws.s3.AccountPublicAccessBlock(
            f"{name}-public-access", account_id=args.account_id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=kept)
        self.encryption_by_default, self.default_keys, self.analyzers = {}, {}, {}
        for region, key_arn in sorted(args.volumes_key_arns.items()):
            regional = pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(provider=args.providers[region]))
            self.default_keys[region] = aws.ebs.DefaultKmsKey(f"{name}-ebs-key-{region}", key_arn=key_arn,
                                                              opts=regional)
            self.encryption_by_default[region] = aws.ebs.EncryptionByDefault(
                f"{name}-ebs-encryption-{region}", enabled=True,
                opts=pulumi.ResourceOptions.merge(regional, pulumi.ResourceOptions(
                    depends_on=[self.default_keys[region]])))
            self.analyzers[region] = aws.accessanalyzer.Analyzer(
                f"{name}-analyzer-{region}", analyzer_name=ANALYZER_NAME, type="ACCOUNT", opts=regional)
        self.register_outputs({"regions": sorted(self.analyzers)})
