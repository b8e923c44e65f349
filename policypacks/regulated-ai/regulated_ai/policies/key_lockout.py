"""The deployer stays able to manage every key (control RAZ-DEP-001): KMS's lockout safety check,
done at preview.

CreateKey and PutKeyPolicy refuse a policy that would not let the caller change it again (AWS KMS
API reference, PutKeyPolicy, BypassPolicyLockoutSafetyCheck); with the check bypassed the key is
created but nobody can manage it any more. The caller is a session of the deployer role
(`deployer_role_arn`), so every key policy the stack sets must allow it kms:PutKeyPolicy, judged by
regzone_core.policy.lockout (explicit denies count; an account-root Allow delegates to IAM and
counts).
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.documents import PolicyProblem, parsed_policy, partition_of, region_of, zone_account
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.settings import Settings
from regulated_ai.types import KMS_KEY_POLICY, KMS_KEYS
from regzone_core.policy.lockout import lockout


def key_arn(resource: ResourceView, account: str, settings: Settings | None = None) -> str:
    """The ARN the key will have: its id is not known before it exists, and key policies name
    their key as `*` ("In a key policy, the Resource is *", AWS KMS Developer Guide)."""
    return f"arn:{partition_of(resource, settings)}:kms:{region_of(resource) or '*'}:{account}:key/(new key)"


@resource_policy(
    "kms-key-policy-keeps-deployer",
    description="Every key policy must let the deployer role call kms:PutKeyPolicy again (KMS's lockout "
                "safety check), or KMS refuses it or the key becomes unmanageable.",
    controls=["RAZ-DEP-001"], types=[*KMS_KEYS, KMS_KEY_POLICY])
def kms_key_policy_keeps_deployer(key: ResourceView) -> Iterator[str]:
    deployer = key.settings.deployer_role_arn
    if deployer is None:
        yield (f"'{key.name}': whether the deployer can still manage the key cannot be verified: the pack setting "
               "deployer_role_arn is not configured (regzone pack-config writes it from regzone:deployer_role_arn).")
        return
    try:
        document = parsed_policy(key)
    except PolicyProblem as problem:
        yield f"{problem}."
        return
    if document is None:
        return  # no policy: KMS's default key policy, whose account-root statement delegates to IAM
    verdict = lockout(document, deployer, key_arn(key, zone_account(key.settings) or "*"))
    if not verdict.keeps_caller:
        bypass = " (bypassPolicyLockoutSafetyCheck would let KMS accept it and lock the key)" \
            if key.flag("bypassPolicyLockoutSafetyCheck", False) else ""
        yield (f"'{key.name}': the key policy does not let the deployer {deployer} call kms:PutKeyPolicy "
               f"({verdict.decision.value}): KMS refuses a policy that locks its caller out{bypass}. Allow the "
               "deployer kms:PutKeyPolicy by its role ARN, or through a statement for the account root, which "
               "delegates to the deployer's IAM policy; and deny it nothing of that.")
