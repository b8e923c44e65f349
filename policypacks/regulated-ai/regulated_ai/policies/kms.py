"""KMS key policies (controls RAZ-KMS-001..003; RAZ-CHG-003: who may sign deployment records)."""
from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import KMS_KEY
from regzone.key_caller_permissions import GRANT_OPERATIONS, CallerPermission, caller_permissions
from regzone.record import signing

MIN_DELETION_WINDOW_DAYS = 30
# Actions that use a key, CreateGrant included (a grant hands out use), and the signing, MAC and
# key-agreement operations of asymmetric and HMAC keys (an administrator who can sign can forge).
_CRYPTO_ACTIONS = ("kms:encrypt", "kms:decrypt", "kms:reencryptfrom", "kms:reencryptto", "kms:generatedatakey",
                   "kms:generatedatakeywithoutplaintext", "kms:generatedatakeypair",
                   "kms:generatedatakeypairwithoutplaintext", "kms:creategrant", "kms:sign", "kms:verify",
                   "kms:generatemac", "kms:verifymac", "kms:derivesharedsecret")
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


# Condition operators that can only narrow a statement: no ...IfExists (true when the key is
# absent), no ForAllValues (true for an empty set), no negated operators.
_NARROWING_OPERATORS = frozenset({"stringequals", "stringlike", "arnequals", "arnlike", "bool"})
_GRANT_OPERATIONS = frozenset(a.lower() for a in GRANT_OPERATIONS)


def _condition_values(condition: dict, operator: str, key: str) -> list | None:
    """The values `condition` tests `key` against under `operator` (both case-insensitive), or None."""
    for op, block in condition.items():
        if op.lower() == operator.lower() and isinstance(block, dict):
            for name, values in block.items():
                if name.lower() == key.lower():
                    return _as_list(values)
    return None


def _one_value(condition: dict, operator: str, key: str, pattern: str) -> bool:
    values = _condition_values(condition, operator, key)
    return values is not None and len(values) == 1 and re.fullmatch(pattern, str(values[0])) is not None


def _is_caller_row(statement: dict, actions: list[str], row: CallerPermission) -> bool:
    """Whether the statement grants no more than `row`: its actions, through its service only, in
    one account, with the row's grant and encryption-context conditions."""
    if not actions or not set(actions) <= {a.lower() for a in row.actions}:
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or any(op.lower() not in _NARROWING_OPERATORS for op in condition):
        return False
    via = rf"{re.escape(row.via_service or '')}\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
    if not (_one_value(condition, "StringEquals", "kms:ViaService", via)
            and _one_value(condition, "StringEquals", "kms:CallerAccount", r"\d{12}")):
        return False
    if (row.grant_for_aws_resource and _GRANT_OPERATIONS & set(actions)
            and not _one_value(condition, "Bool", "kms:GrantIsForAWSResource", r"(?i)true")):
        return False
    return all(any(_condition_values(condition, op, f"kms:EncryptionContext:{name}")
                   for op in ("StringEquals", "StringLike", "ArnEquals", "ArnLike"))
               for name in row.encryption_context)


def _key_purpose(key: ResourceView) -> str | None:
    """The zone key's purpose tag (components/zone_keys.py), when known."""
    tags = key.get("tags")
    return tags.get("purpose") if isinstance(tags, dict) and isinstance(tags.get("purpose"), str) else None


def _deployer_use_is_caller_use(statement: dict, actions: list[str], purpose: str | None) -> bool:
    """The deployer's use is accepted only as what AWS performs as the caller for a key of this
    purpose (catalog/key_caller_permissions.yaml); any broader use makes it a key user."""
    rows = caller_permissions().rows
    return any(_is_caller_row(statement, actions, row) for row in rows if purpose in (None, row.purpose))


def _deployer_signs_records(actions: list[str], purpose: str | None) -> bool:
    """The deployer signs deployment records with the zone's record-signing key (regzone/record):
    exactly kms:Sign, on a key of that purpose only."""
    return purpose == signing.PURPOSE and set(actions) == {a.lower() for a in signing.SIGNER_ACTIONS}


@resource_policy(
    "kms-key-policy-separation",
    description="KMS key policies must separate key administrators from key users and grant nothing to '*'.",
    controls=["RAZ-KMS-003", "RAZ-CHG-003"], types=[KMS_KEY])
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
    deployer = key.settings.deployer_role_arn
    purpose = _key_purpose(key)
    administrators: set[str] = set()
    users: set[str] = set()
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", f"#{index}")
        if "NotAction" in statement or "NotPrincipal" in statement:
            yield (f"statement {sid} allows with NotAction or NotPrincipal, which grants everything not "
                   "listed; name the actions and principals it allows.")
            continue
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
            if deployer in aws_principals and (_deployer_use_is_caller_use(statement, actions, purpose)
                                               or _deployer_signs_records(actions, purpose)):
                aws_principals.discard(deployer)
            users |= aws_principals
    # The account root delegates to IAM policies, which then carry the separation.
    both = sorted(p for p in administrators & users if not p.endswith(":root") and p != "*")
    if deployer in both:
        yield (f"{deployer} (the deployer role) manages the key and is granted use beyond what AWS performs as "
               "the caller: grant it only the actions of catalog/key_caller_permissions.yaml for this key's purpose, "
               "each through its kms:ViaService with kms:CallerAccount and the row's conditions.")
        both.remove(deployer)
    if both:
        yield (f"{', '.join(both)} both administer and use the key: name separate principals "
               "(zone key_administrators and key_users).")
