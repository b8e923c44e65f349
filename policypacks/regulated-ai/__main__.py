"""The regulated-ai CrossGuard pack. Run by `pulumi preview --policy-pack policypacks/regulated-ai`."""
from pulumi_policy import EnforcementLevel, PolicyPack

from regulated_ai.policies import all_policies

PolicyPack(
    name="regulated-ai",
    display_name="Regulated AI zones",
    description="Blocks resources that break the controls of the regulated AI zone catalog.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=all_policies(),
    provider="aws",
    tags=["SOX", "HIPAA", "PCI-DSS", "GDPR"],
)
