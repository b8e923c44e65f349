"""What AWS performs with a zone key as the caller, and as the service principals that use it for
a resource (catalog/key_caller_permissions.yaml).

The key policies (components/kms_policy.py) grant the deployer exactly these rows, the policy
pack accepts deployer use of a key only as one of them (kms-key-policy-separation) and checks
that each resource's key allows every request of its rows (key-caller-permissions), so all read
this one table.
Loading validates the rules that make a row a statement AWS can actually match: use through a
service only, GrantIsForAWSResource only on the grant operations, encryption-context
conditions only on operations whose requests carry an encryption context.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from regzone.catalog_files import load_catalog_yaml
from regzone.record import signing
from regzone_core.policy.kms import GRANT_OPERATIONS, CallerUse

Purpose = Literal["data", "audit", "artifacts", "secrets", "volumes"]
# The operations whose requests carry an encryption context; DescribeKey and the grant
# operations carry none, so a kms:EncryptionContext condition on them is never true.
CONTEXT_OPERATIONS = frozenset({"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey",
                                "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"})
KNOWN_ACTIONS = GRANT_OPERATIONS | CONTEXT_OPERATIONS | {"kms:DescribeKey"}


class ServiceUse(BaseModel):
    """KMS requests a service principal, a service-linked role or a role the resource names makes
    with the key once the resource exists. Placeholders: {partition} {region} {account}
    {resource_arn}, and {props.<input>} for one of the resource's inputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    principal: dict[Literal["AWS", "Service"], str] = Field(min_length=1, max_length=1)
    actions: tuple[str, ...] = Field(min_length=1)
    context: dict[str, str] = {}


class CallerPermission(BaseModel):
    """One resource type: the KMS calls AWS makes as the caller when it is created or changed, and
    those its service principals make afterwards (`service_uses`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # A Pulumi type token, or `regzone:record` (regzone/record: the deploy workflow's record step).
    resource: str = Field(pattern=r"^(aws:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+|regzone:record)$")
    # The input naming the key (`a.b`, `a[].b` for every list item), or "(...)" when the key is
    # reached through another resource whose row judges the same requests, or by no resource.
    key_property: str
    purpose: Purpose
    actions: tuple[str, ...] = ()
    via_service: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$")
    grant_for_aws_resource: bool = False
    encryption_context: dict[str, str] = {}
    # The ARN AWS gives the resource ({name}: its `name` input), and the encryption context values
    # the caller's requests carry (concrete, where `encryption_context` holds the policy patterns).
    resource_arn: str | None = None
    caller_context: dict[str, str] = {}
    service_uses: tuple[ServiceUse, ...] = ()
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
        unknown = sorted({a for use in self.service_uses for a in use.actions} - KNOWN_ACTIONS)
        if unknown:
            raise ValueError(f"{self.resource}: service_uses name unknown actions {unknown}; valid: {sorted(KNOWN_ACTIONS)}")
        if self.judged_here and \
                set(self.caller_context) != {f"kms:EncryptionContext:{name}" for name in self.encryption_context}:
            raise ValueError(f"{self.resource}: caller_context must give a request value for each encryption_context "
                             "name (kms:EncryptionContext:<name>)")
        if not all(s.startswith("https://docs.aws.amazon.com/") for s in self.sources):
            raise ValueError(f"{self.resource}: every source must be an AWS documentation page")
        return self

    @property
    def judged_here(self) -> bool:
        """The key is an input of this resource (not reached through another resource's row)."""
        return not self.key_property.startswith("(")

    def caller_use(self) -> CallerUse:
        """The row as the policy semantics judges a statement against it (regzone_core.policy.kms)."""
        return CallerUse(frozenset(self.actions), self.via_service, self.grant_for_aws_resource,
                         tuple(self.encryption_context))

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
    return CallerPermissions.model_validate(load_catalog_yaml("key_caller_permissions.yaml"))


def deployer_caller_use(deployer: str | None, purpose: str | None) -> dict[str, list[CallerUse]]:
    """The deployer's use of a key that is only what AWS performs as the caller for a key of this
    purpose (every purpose when it is not known), and its signing of deployment records, as the
    separation verdict takes it (regzone_core.policy.verdicts.duty_conflicts); no deployer named: none."""
    if deployer is None:
        return {}
    uses = [row.caller_use() for row in caller_permissions().rows if row.actions and purpose in (None, row.purpose)]
    if purpose in (None, signing.PURPOSE):
        # The deployer signs deployment records with the zone's record-signing key itself, for its
        # own account (components/kms_policy.py, record_signing_key_policy). Sign works on
        # SIGN_VERIFY keys only (AWS KMS API reference, Sign), so allowing it where the purpose is
        # unknown admits no use of an encryption key.
        uses.append(CallerUse(signing.SIGNER_ACTIONS, None))
    return {deployer: uses}
