"""KMS keys and key policies (controls RAZ-KMS-001..003; RAZ-CHG-003: who may sign deployment
records). Key policies are judged by what they permit (regzone_core.policy.verdicts), as the
evidence checks judge them."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.documents import PolicyProblem, parsed_policy, zone_account
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import KMS_EXTERNAL_KEY, KMS_KEY, KMS_KEY_POLICY, KMS_KEYS, KMS_REPLICA_EXTERNAL_KEY
from regzone.catalog import load_catalog
from regzone.key_caller_permissions import deployer_caller_use
from regzone_core.policy.verdicts import duty_conflicts, mixed_statements, open_grants

MIN_DELETION_WINDOW_DAYS = 30


@resource_policy(
    "kms-key-rotation-enabled",
    description="Customer-managed symmetric KMS keys must rotate automatically; keys with imported key material "
                "cannot, so they are not used for symmetric encryption.",
    controls=["RAZ-KMS-001"], types=[KMS_KEY, KMS_EXTERNAL_KEY, KMS_REPLICA_EXTERNAL_KEY])
def kms_key_rotation_enabled(key: ResourceView) -> Iterator[str]:
    spec_input = "keySpec" if key.type == KMS_EXTERNAL_KEY else "customerMasterKeySpec"
    if key.known(spec_input, "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return
    if key.type in (KMS_EXTERNAL_KEY, KMS_REPLICA_EXTERNAL_KEY):
        # KMS rotates imported key material only on demand, never automatically (EnableKeyRotation and
        # DisableKeyRotation API reference: "You cannot enable automatic rotation of ... KMS keys with
        # imported key material"); a replica of such a key shares its material.
        yield (f"KMS key '{key.name}' ({key.type.rsplit(':', 1)[1]}) holds imported key material, which KMS cannot "
               "rotate automatically: use an aws.kms.Key (AWS_KMS origin) with enableKeyRotation.")
        return
    if key.flag("enableKeyRotation", False) is not True:
        yield f"KMS key '{key.name}' does not rotate: set enableKeyRotation to true."


@resource_policy(
    "kms-key-deletion-window",
    description="KMS keys (replicas and keys with imported material included) must keep a 30-day deletion window.",
    controls=["RAZ-KMS-002"], types=KMS_KEYS)
def kms_key_deletion_window(key: ResourceView) -> Iterator[str]:
    days = key.number("deletionWindowInDays", MIN_DELETION_WINDOW_DAYS)
    if days < MIN_DELETION_WINDOW_DAYS:
        yield (f"KMS key '{key.name}' has a deletion window of {days:g} days; "
               f"it must be {MIN_DELETION_WINDOW_DAYS}.")


def _key_purpose(key: ResourceView) -> str | None:
    """The zone key's purpose tag (components/zone_keys.py), when known."""
    tags = key.get("tags")
    return tags.get("purpose") if isinstance(tags, dict) and isinstance(tags.get("purpose"), str) else None


@resource_policy(
    "kms-key-policy-separation",
    description="KMS key policies must separate key administrators from key users and grant nothing to anyone "
                "outside the zone's account.",
    controls=["RAZ-KMS-003", "RAZ-CHG-003"], types=[*KMS_KEYS, KMS_KEY_POLICY])
def kms_key_policy_separation(key: ResourceView) -> Iterator[str]:
    try:
        document = parsed_policy(key)
    except PolicyProblem as problem:
        yield str(problem)
        return
    if document is None:
        yield (f"KMS key '{key.name}' has no key policy: the default policy gives the account root kms:* "
               "and mixes administration with use. Set an explicit policy.")
        return
    settings = key.settings
    for problem in open_grants(document, zone_account(settings), cross_account=True):
        yield f"KMS key '{key.name}': {problem}."
    yield from (f"KMS key '{key.name}': {problem}; split it into administration and use statements."
                for problem in mixed_statements(document))
    deployer = settings.deployer_role_arn
    for conflict in duty_conflicts(document, caller_use=deployer_caller_use(deployer, _key_purpose(key))):
        if deployer and conflict.startswith(f"{deployer} "):
            yield (f"KMS key '{key.name}': {deployer} (the deployer role) {conflict.removeprefix(deployer + ' ')}, "
                   "beyond what AWS performs as the caller: grant it only the actions of "
                   "catalog/key_caller_permissions.yaml for this key's purpose, each through its kms:ViaService "
                   "with kms:CallerAccount and the row's conditions.")
        else:
            yield (f"KMS key '{key.name}': {conflict}: name separate principals (zone key_administrators and "
                   "key_users); the account root in both roles leaves the separation to IAM.")


@resource_policy(
    "kms-key-rotation-period",
    description="Rotating KMS keys rotate at least every kms_max_rotation_period_days of the catalog (365).",
    controls=["RAZ-ENC-002"], types=[KMS_KEY])
def kms_key_rotation_period(key: ResourceView) -> Iterator[str]:
    if key.flag("enableKeyRotation", False) is not True:
        return  # a key that does not rotate is RAZ-KMS-001's violation
    maximum = load_catalog().kms_max_rotation_period_days
    # Unset, KMS rotates every 365 days (EnableKeyRotation API reference, RotationPeriodInDays).
    days = key.number("rotationPeriodInDays", 365)
    if days > maximum:
        yield (f"KMS key '{key.name}' rotates every {days:g} days; the catalog's maximum cryptoperiod is {maximum} "
               "days: lower rotationPeriodInDays.")
