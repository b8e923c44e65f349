"""The regulated-ai pack config (`--policy-pack-config`): derived from a stack's zone config, and
validated before the pack runs so that a bad key is a clear error, not a silently ignored setting.

pulumi-policy sends each policy only its own entry, so the shared settings
(`policypacks/regulated-ai/regulated_ai/settings.py`) are written under every policy's name.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from regzone.config.baseline import Baseline, load_baseline
from regzone.config.errors import ConfigError, unknown_key_hint
from regzone.config.model import AUTOSCALING_SERVICE, StackConfig
from regzone.paths import POLICY_PACK_DIR
from regzone.zone_stack import stack_name
from regzone_core.policy.guardrails import break_glass_arn

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
ALL = "all"  # the CLI applies its enforcementLevel to every policy; it carries no settings
# Pulumi project -> the `program` setting the pack judges its stacks as (regulated_ai/settings.py). The
# account baseline creates AWS resources like the zone program and holds no zone, so it is judged as one.
PROGRAMS = {"regzone": "zone", "regzone-incluster": "incluster", "regzone-baseline": "zone"}


def program_of(project: str) -> str:
    """The pack's `program` setting for a stack of `project`; an unknown project is an error."""
    if project not in PROGRAMS:
        raise ConfigError(f"project {project!r} is not one of this repository's programs; valid: "
                          f"{', '.join(sorted(PROGRAMS))}")
    return PROGRAMS[project]


@lru_cache(maxsize=1)
def _settings() -> ModuleType:
    """The pack's settings module, loaded from the pack directory (the pack is not an installed package)."""
    path = POLICY_PACK_DIR / "regulated_ai" / "settings.py"
    spec = importlib.util.spec_from_file_location("regzone_pack_settings", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load the pack settings schema from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


def derive_settings(stack: StackConfig, baseline: Baseline | None = None, program: str = "zone") -> dict[str, Any]:
    """Settings that make the gate's placement and residency rules those of the stack, for a stack of
    `program` (`zone`, or `incluster` for the in-cluster program building on that zone stack). The
    management trail is the account baseline's (`regzone:baseline_stack`, read from baseline/ when not given)."""
    baseline = baseline or load_baseline(stack_name(stack.baseline_stack))
    return {
        "program": program,
        "frameworks": list(stack.frameworks),
        "allowed_regions": list(stack.allowed_regions),
        "deployer_role_arn": stack.deployer_role_arn,
        # The baseline creates or checks the Auto Scaling role: to the zone stack, it exists.
        "existing_service_linked_roles": [AUTOSCALING_SERVICE] if baseline.settings.autoscaling_service_linked_role else [],
        "zones": {zone.name: {
            "regions": list(stack.allowed_regions),
            "data_classes": stack.zone_data_classes(zone),
            "frameworks": stack.zone_frameworks(zone),
            "audit_retention_days": stack.zone_retention_days(zone),
            "egress_allowed_destinations": list(zone.regulated_ai_zone.egress.allowed_destinations),
            "assurance_level": zone.assurance_level,
        } for zone in stack.zones},
        "data_class_policy": {name: rule.model_dump(exclude_defaults=True)
                              for name, rule in sorted(stack.data_class_policy.items())},
        "management_trail_arn": baseline.management_trail_arn,
        # The clusters' administrators are the reviewed, named holders of cluster-admin (the stack gives
        # them AmazonEKSClusterAdminPolicy through access entries): RAZ-K8S-007 admits only them.
        "break_glass_subjects": sorted({arn for zone in stack.zones if zone.cluster is not None
                                        for arn in zone.cluster.admin_role_arns}),
    }


def derive_baseline_settings(baseline: Baseline) -> dict[str, Any]:
    """Settings for the account or organization baseline: the union of its zone stacks' residency and
    frameworks, each unit's Regions (the region deny it must keep to) and the break-glass role."""
    settings = baseline.settings
    derived: dict[str, Any] = {
        "frameworks": baseline.frameworks,
        "allowed_regions": baseline.allowed_regions,
        "deployer_role_arn": settings.deployer_role_arn,
        "existing_service_linked_roles": ([AUTOSCALING_SERVICE] if settings.autoscaling_service_linked_role == "existing"
                                          else []),
        "break_glass_subjects": ([break_glass_arn(baseline.partition, settings.break_glass_role)]
                                 if settings.break_glass_role else []),
    }
    if settings.scope == "account":
        derived["management_trail_arn"] = baseline.management_trail_arn
    else:
        derived["organizational_units"] = {unit.id: baseline.unit_regions(unit)
                                           for unit in settings.service_control_policies.units}
    return derived


def derive_pack_config(source: StackConfig | Baseline, policy_names: list[str], program: str = "zone") -> dict[str, Any]:
    """A full `--policy-pack-config` document: the settings of a zone stack (judged as `program`) or of a
    baseline under every policy."""
    settings = (derive_baseline_settings(source) if isinstance(source, Baseline)
                else derive_settings(source, program=program))
    return {name: dict(settings) for name in sorted(policy_names)}


def _check_level(key: str, level: Any, source: str) -> None:
    if level not in ENFORCEMENT_LEVELS:
        raise ConfigError(f"{source}: {key} = {level!r}: not an enforcement level; "
                          f"valid: {', '.join(ENFORCEMENT_LEVELS)}")


def validate_pack_config(config: Any, source: str, policy_names: list[str] | None = None) -> dict[str, Any]:
    """Check levels and settings of every entry (and, given the pack's policies, the policy names)."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: expected a JSON object keyed by policy name")
    settings = _settings()
    for key, entry in config.items():
        if key != ALL and policy_names is not None and key not in policy_names:
            raise ConfigError(f"{source}: {key}: no policy of that name in the regulated-ai pack; "
                              f"valid: {ALL}, {', '.join(sorted(policy_names))}")
        if isinstance(entry, str):
            _check_level(key, entry, source)
            continue
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: {key}: expected an enforcement level or an object of settings")
        if "enforcementLevel" in entry:
            _check_level(f"{key}.enforcementLevel", entry["enforcementLevel"], source)
        values = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        if key == ALL and values:
            raise ConfigError(f"{source}: {ALL}.{next(iter(values))}: `{ALL}` only takes enforcementLevel "
                              "(the CLI does not pass its settings to policies); put settings under each policy")
        try:
            settings.Settings.model_validate(values)
        except ValidationError as err:
            # A misspelt key also leaves the right one missing: name the misspelling.
            first = min(err.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
            path = ".".join(str(part) for part in first["loc"])
            if first["type"] == "extra_forbidden":
                message = unknown_key_hint(settings.Settings, first["loc"], key, docs="docs/policy-pack.md")
            else:
                message = first["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{source}: {key}.{path}: {message}") from None
    return config


def load_pack_config(path: Path) -> dict[str, Any]:
    """Read and validate a `--policy-pack-config` JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"policy pack config {path}: {err}") from None
    return validate_pack_config(data, f"policy pack config {path}")
