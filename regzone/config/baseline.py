"""Config of the account and organization baseline (baseline/, namespace `regzone-baseline:`).

The baseline owns what exists once per account (the management-event trail, the S3 account public
access block, EBS encryption by default, IAM Access Analyzer, ECR registry scanning and
replication, the EC2 Auto Scaling service-linked role) or once per organization (the service
control policies). It states no residency or framework of its own: it reads the zone stacks it
governs (stacks/Pulumi.<stack>.yaml), so that the allowed Regions, retention and registries are
written once, in the zone config.

- `scope: account` runs once per account, with every zone stack deployed in that account;
- `scope: organization` runs once per organization, in the management account (or a delegated
  administrator for AWS Organizations policies), with each unit of regulated accounts and the zone
  stacks whose accounts sit in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from regzone.config.errors import ConfigError, KeyedError, format_validation_error
from regzone.config.loader import decode_config_value, load_stack_file, read_stack_file
from regzone.config.model import RESERVED_ZONE_NAME, KeyPrincipal, StackConfig, _valid_region
from regzone.paths import BASELINE_DIR, STACKS_DIR
from regzone.zone_stack import check_zone_stack, stack_name
from regzone_core.policy.guardrails import load_guardrails

NAMESPACE = "regzone-baseline"
# The label of the baseline's own resources: keys `alias/regzone-account/<purpose>`, the trail
# `regzone-account-audit` (the name the guardrails protect), tags zone=regzone-account.
BASELINE_LABEL = RESERVED_ZONE_NAME
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$"
_ROLE_NAME = r"^[A-Za-z0-9_+=,.@-]{1,64}$"
_TRAIL_ARN = r"^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]{3,128}$"
# AWS Organizations API reference, OrganizationalUnit Id: "ou-" + 4-32 characters + "-" + 8-32 characters.
_UNIT_ID = r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"
ZoneStackName = Annotated[str, AfterValidator(check_zone_stack)]

if f"{BASELINE_LABEL}-audit" != load_guardrails().account_trail:   # the guardrails protect the trail by name
    raise RuntimeError("the baseline trail name and regzone_core/policy/data/guardrails.json disagree")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    """One organizational unit of regulated accounts."""

    id: Annotated[str, Field(pattern=_UNIT_ID)]
    zone_stacks: list[ZoneStackName] = Field(min_length=1)


class ServiceControlPolicies(_Strict):
    units: list[Unit] = Field(min_length=1)
    # SCPs the organization attaches to these units besides FullAWSAccess and the two regzone SCPs:
    # at most 5 attach to one unit (AWS Organizations quotas).
    other_scps_per_unit: int = Field(default=0, ge=0, le=2)


class BaselineSettings(_Strict):
    """Everything under the `regzone-baseline:` namespace of a baseline stack file."""

    scope: Literal["account", "organization"]
    # The role that runs `pulumi up` for the baseline (key policies keep it able to manage the keys).
    deployer_role_arn: Annotated[str, Field(pattern=_ROLE_ARN)]
    owner: str = Field(min_length=1)
    environment: Literal["dev", "test", "staging", "prod"] = "prod"
    change_ref: str = Field(default="unset", min_length=1)
    # The role (by name, in every member account) the guardrails still let change what they protect.
    break_glass_role: Annotated[str, Field(pattern=_ROLE_NAME)] | None = None
    # scope: account
    zone_stacks: list[ZoneStackName] = []
    # The baseline keys' principals (audit key, EBS default keys), as a zone's: administrators manage
    # the keys and never use them, users use them through the AWS services of each key's purpose.
    # Required and disjoint: the account root in their place would hold both duties (RAZ-KMS-003).
    key_administrators: list[KeyPrincipal] = []
    key_users: list[KeyPrincipal] = []
    autoscaling_service_linked_role: Literal["create", "existing"] | None = None
    organization_trail_arn: Annotated[str, Field(pattern=_TRAIL_ARN)] | None = None
    # scope: organization
    service_control_policies: ServiceControlPolicies | None = None

    @model_validator(mode="after")
    def _scoped(self) -> "BaselineSettings":
        if self.scope == "account":
            if not self.zone_stacks:
                raise KeyedError(("zone_stacks",), "is required for scope account: the zone stacks deployed in this "
                                 "account (stacks/Pulumi.<stack>.yaml), whose Regions and registries the account "
                                 "settings follow")
            if self.service_control_policies is not None:
                raise KeyedError(("service_control_policies",), "is only for scope organization (SCPs attach in "
                                 "the management account); valid: remove it, or a separate stack with scope "
                                 "organization")
            self._check_key_duties()
            names = [stack_name(s) for s in self.zone_stacks]
            for i, name in enumerate(names):
                if names.index(name) != i:
                    raise KeyedError(("zone_stacks", i), "lists a zone stack twice; valid: each stack once")
        else:
            if self.service_control_policies is None:
                raise KeyedError(("service_control_policies",), "is required for scope organization: the units "
                                 "of regulated accounts and their zone stacks")
            for key in ("zone_stacks", "autoscaling_service_linked_role", "organization_trail_arn",
                        "key_administrators", "key_users"):
                if getattr(self, key):
                    raise KeyedError((key,), "is only for scope account; valid: remove it (the organization "
                                     "baseline attaches SCPs only)")
            ids = [u.id for u in self.service_control_policies.units]
            for i, unit in enumerate(ids):
                if ids.index(unit) != i:
                    raise KeyedError(("service_control_policies", "units", i, "id"), "lists a unit twice; "
                                     "valid: each unit once, with every zone stack of its accounts")
        return self

    def _check_key_duties(self) -> None:
        """The baseline keys separate duties as the zone keys do, with principals of the deployer's
        account (checked to exist before any key policy names them); the deployer is no key user."""
        for duty, what in (("key_administrators", "manage the baseline keys (never use them)"),
                           ("key_users", "use the baseline keys through the AWS services of each key's purpose "
                                         "(CloudTrail for the audit key, EBS for the default volumes keys)")):
            principals = getattr(self, duty)
            if not principals:
                raise KeyedError((duty,), f"is required for scope account and may not be empty: the audit key and "
                                 f"the EBS default keys need principals that {what}; without them the account "
                                 "root would both administer and use the keys, which separates nothing "
                                 "(RAZ-KMS-003); valid: a list of IAM role or user ARNs of the deployer's "
                                 "account, disjoint from the other list")
            for i, arn in enumerate(principals):
                if _account(arn) != _account(self.deployer_role_arn):
                    raise KeyedError((duty, i), f"is not in the account of deployer_role_arn "
                                     f"({_account(self.deployer_role_arn)[1]}): principals are checked in the "
                                     "deploying account before a key policy names them; valid: a role or user of "
                                     "that account")
        for i, arn in enumerate(self.key_users):
            if arn in self.key_administrators:
                raise KeyedError(("key_users", i), "is also in key_administrators: a key administrator must not use "
                                 "the keys; valid: a principal that is not a key administrator")
            if arn == self.deployer_role_arn:
                raise KeyedError(("key_users", i), "is deployer_role_arn, which uses the keys only as AWS does as "
                                 "the caller (catalog/key_caller_permissions.yaml); valid: an operator role that "
                                 "is not the deployer")


def _account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[1], parts[4]


@dataclass(frozen=True)
class Baseline:
    """A validated baseline stack and the facts it takes from the zone stacks it governs."""

    name: str
    settings: BaselineSettings
    region: str                                 # the stack's aws:region (the trail's home Region)
    zone_stacks: dict[str, StackConfig]         # every zone stack it reads, by name

    @property
    def partition(self) -> str:
        return _account(self.settings.deployer_role_arn)[0]

    @property
    def account_id(self) -> str:
        return _account(self.settings.deployer_role_arn)[1]

    @cached_property
    def allowed_regions(self) -> list[str]:
        """The union of the governed zone stacks' allowed Regions, the home Region first."""
        union = {r for stack in self.zone_stacks.values() for r in stack.allowed_regions}
        return [self.region, *sorted(union - {self.region})] if self.region in union else sorted(union)

    @property
    def frameworks(self) -> list[str]:
        return sorted({f for stack in self.zone_stacks.values() for zone in stack.zones
                       for f in stack.zone_frameworks(zone)})

    @property
    def retention_days(self) -> int:
        """The account trail's retention: the longest of any governed zone."""
        return max(stack.zone_retention_days(zone) for stack in self.zone_stacks.values() for zone in stack.zones)

    @property
    def management_trail_arn(self) -> str:
        """The trail that records the account's management events: the organization trail the
        config names, or the account trail this stack creates."""
        if self.settings.organization_trail_arn:
            return self.settings.organization_trail_arn
        return (f"arn:{self.partition}:cloudtrail:{self.region}:{self.account_id}:trail/"
                f"{load_guardrails().account_trail}")

    @property
    def registries(self) -> list[tuple[str, str, list[str]]]:
        """(zone, Region, replication Regions) of every governed zone with a registry."""
        return [(zone.name, stack.zone_region(zone), list(zone.registry.replication_regions))
                for stack in self.zone_stacks.values() for zone in stack.zones if zone.registry is not None]

    @property
    def needs_autoscaling_role(self) -> bool:
        return any(zone.cluster is not None and zone.cluster.node_groups
                   for stack in self.zone_stacks.values() for zone in stack.zones)

    def unit_regions(self, unit: Unit) -> list[str]:
        return sorted({r for name in unit.zone_stacks for r in self.zone_stacks[stack_name(name)].allowed_regions})


def _check_account(settings: BaselineSettings, region: str, stacks: dict[str, StackConfig],
                   source: str) -> None:
    """An account baseline governs zone stacks of its own account, in Regions they allow, with
    zone names that do not collide (zone names prefix key aliases and repositories account-wide)."""
    home = _account(settings.deployer_role_arn)
    seen: dict[str, str] = {}
    for index, (stack, config) in enumerate(stacks.items()):
        where = f"{source}: {NAMESPACE}:zone_stacks[{index}] = {stack!r}"
        if _account(config.deployer_role_arn) != home:
            raise ConfigError(f"{where}: deploys into account {_account(config.deployer_role_arn)[1]}, but "
                              f"{NAMESPACE}:deployer_role_arn is in account {home[1]}; valid: the zone stacks of "
                              "this account only (each account runs its own baseline)")
        for zone in config.zones:
            if zone.name in seen:
                raise ConfigError(f"{where}: zone {zone.name!r} is also a zone of stack {seen[zone.name]!r} in the "
                                  "same account; key aliases and repositories are named by zone, account-wide; "
                                  "valid: a zone name unique in the account")
            seen[zone.name] = stack
    needs = any(z.cluster is not None and z.cluster.node_groups for c in stacks.values() for z in c.zones)
    if needs and settings.autoscaling_service_linked_role is None:
        raise ConfigError(f"{source}: {NAMESPACE}:autoscaling_service_linked_role: required: a governed zone has node "
                          "groups, whose volumes key (and the EBS default key) name the account's EC2 Auto Scaling "
                          "service-linked role (AWSServiceRoleForAutoScaling); valid: create (this baseline creates "
                          "it) or existing (it exists already; checked at deploy time)")
    if not needs and settings.autoscaling_service_linked_role is not None:
        raise ConfigError(f"{source}: {NAMESPACE}:autoscaling_service_linked_role = "
                          f"{settings.autoscaling_service_linked_role!r}: no governed zone has node groups, so "
                          "nothing reads it; valid: remove the key")


def parse_baseline_config(config: dict[str, Any], name: str, source: str, *,
                          stacks_dir: Path | None = None) -> Baseline:
    """Validate `regzone-baseline:*` keys and load the zone stacks they name (from stacks/)."""
    stacks_dir = stacks_dir or STACKS_DIR
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix):]: decode_config_value(value) for key, value in config.items() if key.startswith(prefix)}
    try:
        settings = BaselineSettings.model_validate(raw)
    except ValidationError as err:
        raise format_validation_error(err, raw, NAMESPACE, source, BaselineSettings) from None
    region = decode_config_value(config.get("aws:region"))
    try:
        _valid_region(str(region))
    except ValueError as err:
        raise ConfigError(f"{source}: aws:region = {region!r}: {err}") from None
    names = (settings.zone_stacks if settings.scope == "account"
             else [s for unit in settings.service_control_policies.units for s in unit.zone_stacks])
    stacks = {stack_name(n): load_stack_file(stacks_dir / f"Pulumi.{stack_name(n)}.yaml") for n in names}
    union = {r for config in stacks.values() for r in config.allowed_regions}
    if region not in union:
        held = "the account trail and its WORM bucket" if settings.scope == "account" else "the baseline's provider"
        raise ConfigError(f"{source}: aws:region = {region!r}: {held} would be outside every governed zone stack's "
                          f"allowed_regions; valid: {', '.join(sorted(union))}")
    if settings.scope == "account":
        _check_account(settings, str(region), stacks, source)
    return Baseline(name=name, settings=settings, region=str(region), zone_stacks=stacks)


def baseline_file(name: str, baseline_dir: Path = BASELINE_DIR) -> Path:
    return baseline_dir / f"Pulumi.{name}.yaml"


def load_baseline(name: str, baseline_dir: Path = BASELINE_DIR, stacks_dir: Path | None = None) -> Baseline:
    """The baseline stack `name` (baseline/Pulumi.<name>.yaml), with a message that says what to write
    and run first when it does not exist."""
    path = baseline_file(name, baseline_dir)
    if not path.is_file():
        raise ConfigError(f"account baseline stack file not found: {path}. Every zone stack names the baseline of "
                          "its account (regzone:baseline_stack), which must be configured and deployed first: write "
                          f"{path.name} (see baseline/Pulumi.dev.yaml and docs/baseline.md), then run "
                          f"`pulumi up -C baseline -s {name}`")
    return parse_baseline_config(read_stack_file(path), name, str(path), stacks_dir=stacks_dir)
