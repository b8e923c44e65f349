"""What AWS performs with a zone key as the caller (catalog/key_caller_permissions.yaml).

The key policies (components/kms_policy.py) grant the deployer exactly these rows, and the
policy pack accepts deployer use of a key only as one of them, so both read this one table.
Loading validates the rules that make a row a statement AWS can actually match: use through a
service only, GrantIsForAWSResource only on the grant operations, encryption-context
conditions only on operations whose requests carry an encryption context.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from regzone.paths import CATALOG_DIR

Purpose = Literal["data", "audit", "artifacts", "secrets", "volumes"]
# The operations whose requests carry kms:GrantIsForAWSResource (KMS developer guide, condition keys).
GRANT_OPERATIONS = frozenset({"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"})
# The operations whose requests carry an encryption context; DescribeKey and the grant
# operations carry none, so a kms:EncryptionContext condition on them is never true.
CONTEXT_OPERATIONS = frozenset({"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey",
                                "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"})
KNOWN_ACTIONS = GRANT_OPERATIONS | CONTEXT_OPERATIONS | {"kms:DescribeKey"}


class CallerPermission(BaseModel):
    """One resource type: the KMS calls AWS makes as the caller when it is created or changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # A Pulumi type token, or `regzone:record` (regzone/record: the deploy workflow's record step).
    resource: str = Field(pattern=r"^(aws:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+|regzone:record)$")
    key_property: str
    purpose: Purpose
    actions: tuple[str, ...] = ()
    via_service: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$")
    grant_for_aws_resource: bool = False
    encryption_context: dict[str, str] = {}
    note: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _matchable(self) -> "CallerPermission":
        unknown = sorted(set(self.actions) - KNOWN_ACTIONS)
        if unknown:
            raise ValueError(f"{self.resource}: unknown actions {unknown}; valid: {sorted(KNOWN_ACTIONS)}")
        if self.actions and self.via_service is None:
            raise ValueError(f"{self.resource}: the deployer uses keys only through a service; set via_service")
        if self.grant_for_aws_resource and not GRANT_OPERATIONS & set(self.actions):
            raise ValueError(f"{self.resource}: grant_for_aws_resource without a grant operation")
        if self.encryption_context and not set(self.actions) <= CONTEXT_OPERATIONS:
            raise ValueError(f"{self.resource}: encryption_context on {sorted(set(self.actions) - CONTEXT_OPERATIONS)}, "
                             "whose requests carry no encryption context: the condition would never be true")
        if not all(s.startswith("https://docs.aws.amazon.com/") for s in self.sources):
            raise ValueError(f"{self.resource}: every source must be an AWS documentation page")
        return self

    def statements(self, *, partition: str, region: str, account: str, zone: str) -> list[tuple[list[str], dict[str, Any]]]:
        """(actions, Condition) pairs for a key policy: each condition is one the request carries."""
        if not self.actions:
            return []
        base: dict[str, Any] = {"StringEquals": {"kms:CallerAccount": account,
                                                 "kms:ViaService": f"{self.via_service}.{region}.amazonaws.com"}}
        if self.encryption_context:
            base["StringLike"] = {f"kms:EncryptionContext:{name}": pattern.format(
                partition=partition, region=region, account=account, zone=zone)
                for name, pattern in self.encryption_context.items()}
        grants = sorted(a for a in self.actions if a in GRANT_OPERATIONS) if self.grant_for_aws_resource else []
        others = sorted(a for a in self.actions if a not in grants)
        pairs = [(others, base)] if others else []
        if grants:
            pairs.append((grants, {**base, "Bool": {"kms:GrantIsForAWSResource": "true"}}))
        return pairs


class CallerPermissions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    rows: tuple[CallerPermission, ...]

    @model_validator(mode="after")
    def _one_row_per_type_and_purpose(self) -> "CallerPermissions":
        seen: set[tuple[str, str]] = set()
        for row in self.rows:
            if (row.resource, row.purpose) in seen:
                raise ValueError(f"{row.resource} ({row.purpose}) is listed twice")
            seen.add((row.resource, row.purpose))
        return self

    def for_purpose(self, purpose: str) -> list[CallerPermission]:
        return [row for row in self.rows if row.purpose == purpose]


@lru_cache(maxsize=1)
def caller_permissions() -> CallerPermissions:
    with open(CATALOG_DIR / "key_caller_permissions.yaml", encoding="utf-8") as handle:
        return CallerPermissions.model_validate(yaml.safe_load(handle))
