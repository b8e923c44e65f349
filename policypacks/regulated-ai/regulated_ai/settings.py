"""Pack settings: what a security team tunes with `--policy-pack-config` instead of editing code.

pulumi-policy hands each policy only its own config entry, applies no schema defaults and turns
numbers into floats. So every policy declares the same schema (`SETTINGS_SCHEMA`), `regzone
pack-config` writes the same settings under every policy, and policies read them through
`settings_from_config()`, which applies the defaults below. Unset settings are the strict choice:
no region, zone or data class is allowed until the config names it.

This module imports only pydantic, the standard library, `regzone` and `regzone_core`, so that the `regzone` CLI
can load it from the pack directory to validate a config file before the pack runs.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from regzone.catalog import FrameworkName, load_catalog, region_az_counts
from regzone.config.model import DataClassRule
from regzone.tags import REQUIRED_TAGS, TAG_DATA_CLASS, TAG_ZONE
from regzone_core.policy.principals import service_principal_problem

# Hosted LLM APIs reached over the internet (data, not logic: override with `llm_api_domains`).
# `*.x` matches every subdomain of x. AWS Bedrock is absent: reached through a VPC endpoint it
# stays inside the account and region.
DEFAULT_LLM_API_DOMAINS = (
    "api.openai.com", "*.openai.com", "*.openai.azure.com", "api.anthropic.com", "*.anthropic.com",
    "generativelanguage.googleapis.com", "*-aiplatform.googleapis.com", "aiplatform.googleapis.com",
    "api.mistral.ai", "api.cohere.ai", "api.cohere.com", "api-inference.huggingface.co",
    "router.huggingface.co", "api.groq.com", "api.together.xyz", "api.together.ai", "api.deepseek.com",
    "api.x.ai", "api.perplexity.ai", "api.fireworks.ai", "openrouter.ai", "api.replicate.com",
)


class SettingsError(ValueError):
    """The policy config cannot be used; the message names the key."""


def _check_region(region: str) -> str:
    if region not in region_az_counts():
        raise ValueError(f"unknown AWS region; valid: {', '.join(sorted(region_az_counts()))}")
    return region


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoneEntry(_Strict):
    """One zone of the registry: where it may run and what the stack declares for it."""

    regions: list[str] = Field(min_length=1, description="regions the zone's resources may use")
    data_classes: list[str] = Field(default=[], description="data classes the stack places in the zone")
    frameworks: list[FrameworkName] = Field(default=[], description="frameworks in scope for the zone")
    audit_retention_days: int | None = Field(default=None, ge=1, description="audit retention of the zone")
    egress_allowed_destinations: list[str] = Field(default=[], description="the zone's egress allow-list")
    assurance_level: int | None = Field(default=None, ge=1, le=4, description=(
        "the zone's assurance level (catalog/assurance_levels.yaml); a zone without one has its level's "
        "controls reported as not evaluable"))

    @field_validator("regions")
    @classmethod
    def _regions_known(cls, value: list[str]) -> list[str]:
        return [_check_region(r) for r in value]


class Settings(_Strict):
    """Shared settings of every policy in the pack."""

    frameworks: list[FrameworkName] = Field(default=[], description="frameworks in scope for every zone")
    min_retention_days: dict[FrameworkName, int] = Field(
        default_factory=lambda: {name: f.min_audit_retention_days for name, f in load_catalog().frameworks.items()},
        description="minimum audit retention per framework (days); never below the catalog's legal minimum")
    allowed_regions: list[str] = Field(default=[], description="regions any resource may use (residency)")
    zones: dict[str, ZoneEntry] = Field(default={}, description="the zone registry, by zone name")
    data_class_policy: dict[str, DataClassRule] = Field(
        default={}, description="per data class: allowed_zones and requirements (seed data_class_policy shape)")
    deployer_role_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$",
        description="the IAM role that runs `pulumi up` (regzone:deployer_role_arn): it manages the zone keys "
                    "and may use them only as catalog/key_caller_permissions.yaml lists")
    existing_service_linked_roles: list[str] = Field(
        default=[], description="services (e.g. autoscaling.amazonaws.com) whose service-linked role the account "
                                "already has, so policies may name it although the stack does not create it "
                                "(a zone stack: the account baseline's Auto Scaling role; a baseline: "
                                "regzone-baseline:autoscaling_service_linked_role: existing)")
    break_glass_subjects: list[str] = Field(
        default=[], description="IAM principal ARNs or Kubernetes subjects allowed emergency access")
    required_tags: list[str] = Field(default=list(REQUIRED_TAGS), min_length=1,
                                     description="tags every taggable AWS resource must carry")
    llm_api_domains: list[str] = Field(default=list(DEFAULT_LLM_API_DOMAINS),
                                       description="domains of hosted LLM APIs (prohibit_external_llm_calls)")
    program: Literal["zone", "incluster"] = Field(
        default="zone", description="which program the stack belongs to: the zone program (stacks/, project "
                                    "regzone) or the in-cluster program (incluster/, regzone-incluster); stack "
                                    "policies judge each against what that program owns")
    management_trail_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]{3,128}$",
        description="the multi-region trail that records the account's management events (an account or "
                    "organization trail, or the stack's own); only when it is named may a trail record "
                    "data events alone, in one region")

    organizational_units: dict[str, list[str]] = Field(
        default={}, description="organizational unit id -> the Regions its accounts' zone stacks allow: what the "
                                "region-deny SCP attached to the unit must keep to (the account baseline's units)")

    @field_validator("allowed_regions")
    @classmethod
    def _regions_known(cls, value: list[str]) -> list[str]:
        return [_check_region(r) for r in value]

    @field_validator("organizational_units")
    @classmethod
    def _unit_regions_known(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {unit: [_check_region(r) for r in regions] for unit, regions in value.items()}

    @field_validator("existing_service_linked_roles")
    @classmethod
    def _service_names(cls, value: list[str]) -> list[str]:
        for service in value:
            problem = service_principal_problem(service)
            if problem:
                raise ValueError(f"{problem}; valid: the service's principal, e.g. autoscaling.amazonaws.com")
        return value

    @field_validator("min_retention_days")
    @classmethod
    def _not_below_law(cls, value: dict[str, int]) -> dict[str, int]:
        frameworks = load_catalog().frameworks
        for name, days in value.items():
            if days < frameworks[name].min_audit_retention_days:
                raise ValueError(f"{name} = {days} is below what {name} requires; "
                                 f"valid: >= {frameworks[name].min_audit_retention_days}")
        return {**{n: f.min_audit_retention_days for n, f in frameworks.items()}, **value}

    @field_validator("required_tags")
    @classmethod
    def _placement_tags_stay(cls, value: list[str]) -> list[str]:
        missing = [t for t in (TAG_ZONE, TAG_DATA_CLASS) if t not in value]
        if missing:
            raise ValueError(f"must include {', '.join(missing)}: data-class placement is judged from them; "
                             f"valid: a list that includes {TAG_ZONE} and {TAG_DATA_CLASS}")
        return value

    @model_validator(mode="after")
    def _zones_in_residency(self) -> "Settings":
        if self.allowed_regions:
            for name, zone in self.zones.items():
                outside = sorted(set(zone.regions) - set(self.allowed_regions))
                if outside:
                    raise ValueError(f"zones.{name}.regions {outside} are outside allowed_regions; "
                                     f"valid: {', '.join(self.allowed_regions)}")
        return self

    def retention_days(self, frameworks: list[str]) -> int:
        """The longest retention any of `frameworks` (plus those in scope for the pack) requires."""
        return max((self.min_retention_days[f] for f in {*frameworks, *self.frameworks}), default=0)

    def audit_retention_days(self, zone: str | None = None) -> int:
        """The Object Lock retention an audit bucket needs: its zone's registry entry (its own
        audit_retention_days or its frameworks), else the strictest framework in `frameworks`, or
        of every framework when none is configured (the pack cannot see the stack's scope)."""
        entry = self.zones.get(zone) if zone else None
        if entry is not None:
            return max(entry.audit_retention_days or 0, self.retention_days(entry.frameworks))
        return max(self.min_retention_days[f] for f in (self.frameworks or self.min_retention_days))

    def zone_regions(self, zone: str | None) -> list[str]:
        """Regions allowed for a zone: its registry entry, else the pack-wide allowed regions."""
        entry = self.zones.get(zone) if zone else None
        return entry.regions if entry is not None else self.allowed_regions


DEFAULTS = Settings()


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """Replace `$ref`s with their definitions: the CLI validates each property schema on its own."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k not in ("$defs", "title")}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def _schema_properties() -> dict[str, dict[str, Any]]:
    schema = Settings.model_json_schema()
    return _inline(schema["properties"], schema.get("$defs", {}))


# The config schema every policy declares (JSON Schema per property, as PolicyConfigSchema wants).
SETTINGS_SCHEMA: dict[str, dict[str, Any]] = _schema_properties()


def parse_settings(values: dict[str, Any]) -> Settings:
    """Validate settings; a SettingsError names the first bad key."""
    try:
        return Settings.model_validate(values)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"]) or "(settings)"
        raise SettingsError(f"{key}: {first['msg'].removeprefix('Value error, ')}") from None


@lru_cache(maxsize=32)
def _cached(text: str) -> Settings:
    return parse_settings(json.loads(text))


def settings_from_config(config: dict[str, Any] | None) -> Settings:
    """The settings a policy received (its own config entry), defaults applied."""
    if not config:
        return DEFAULTS
    return _cached(json.dumps(config, sort_keys=True, default=str))
