"""KMS key policies (controls RAZ-KMS-001..003)."""
from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import KMS_KEY

MIN_DELETION_WINDOW_DAYS = 30
# Actions that use a key for data, CreateGrant included: a grant hands out use.
_CRYPTO_ACTIONS = ("kms:encrypt", "kms:decrypt", "kms:reencryptfrom", "kms:reencryptto", "kms:generatedatakey",
                   "kms:generatedatakeywithoutplaintext", "kms:generatedatakeypair",
                   "kms:generatedatakeypairwithoutplaintext", "kms:creategrant")
# Prefixes of actions that change a key or its policy (CreateGrant is use, not administration).
_ADMIN_ACTIONS = ("kms:put", "kms:schedule", "kms:cancel", "kms:disable", "kms:enable", "kms:delete",
                  "kms:update", "kms:createalias", "kms:import")


@resource_policy(
    "kms-key-rotation-enabled",
    description="Customer-managed symmetric KMS keys must rotate automatically.",
    controls=["RAZ-KMS-001"], types=[KMS_KEY])
def kms_key_rotation_enabled(key: ResourceView) -> Iterator[str]:
    spec = key.known("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
    if spec != "SYMMETRIC_DEFAULT":
        return
    if key.known("enableKeyRotation", False) is not True:
        yield f"KMS key '{key.name}' does not rotate: set enableKeyRotation to true."


@resource_policy(
    "kms-key-deletion-window",
    description="KMS keys must keep a 30-day deletion window.",
    controls=["RAZ-KMS-002"], types=[KMS_KEY])
def kms_key_deletion_window(key: ResourceView) -> Iterator[str]:
    days = key.known("deletionWindowInDays", MIN_DELETION_WINDOW_DAYS)
    if not isinstance(days, (int, float)) or days < MIN_DELETION_WINDOW_DAYS:
        yield (f"KMS key '{key.name}' has a deletion window of {days!r} days; "
               f"it must be {MIN_DELETION_WINDOW_DAYS}.")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [p for values in principal.values() for p in _as_list(values)]
    return []


def _aws_principals(statement: dict) -> list:
    principal = statement.get("Principal")
    return _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else []


def _actions(statement: dict) -> list[str]:
    return [str(a).lower() for a in _as_list(statement.get("Action", []))]


@resource_policy(
    "kms-key-policy-separation",
    description="KMS key policies must separate key administrators from key users and grant nothing to '*'.",
    controls=["RAZ-KMS-003"], types=[KMS_KEY])
def kms_key_policy_separation(key: ResourceView) -> Iterator[str]:
    document = key.known("policy")
    if document is None:
        yield (f"KMS key '{key.name}' has no key policy: the default policy gives the account root kms:* "
               "and mixes administration with use. Set an explicit policy.")
        return
    try:
        statements = _as_list(json.loads(document).get("Statement", []))
    except (TypeError, ValueError, AttributeError):
        yield f"KMS key '{key.name}' has a key policy that is not valid JSON."
        return
    administrators: set[str] = set()
    users: set[str] = set()
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", f"#{index}")
        actions = _actions(statement)
        principals = _principals(statement)
        if "*" in principals and not statement.get("Condition"):
            yield f"statement {sid} allows the '*' principal without conditions."
        if any(a in ("kms:*", "*") for a in actions):
            yield f"statement {sid} grants kms:*; split it into administration and use statements."
            continue
        # Wildcards count for what they match: "kms:Create*" includes kms:CreateGrant.
        uses = any(fnmatch.fnmatchcase(crypto, a) for a in actions for crypto in _CRYPTO_ACTIONS)
        administers = any(a.startswith(_ADMIN_ACTIONS) for a in actions)
        if uses and administers:
            yield f"statement {sid} grants both key administration and cryptographic use to the same principals."
        aws_principals = {str(p) for p in _aws_principals(statement)}
        if administers:
            administrators |= aws_principals
        if uses:
            users |= aws_principals
    # The account root delegates to IAM policies, which then carry the separation.
    both = sorted(p for p in administrators & users if not p.endswith(":root") and p != "*")
    if both:
        yield (f"{', '.join(both)} both administer and use the key: name separate principals "
               "(zone key_administrators and key_users).")
