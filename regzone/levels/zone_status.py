"""What a stack's zones meet of their assurance level and of the next one, judged from the stack config.

A control a level requires is met when the zone config contains what the control `needs`
(catalog/assurance_levels.yaml); a control without needs is built or enforced by the zone program
for every zone, and the pack checks it at preview. Signature verification at admission is the
in-cluster program's setting, so it is read from the in-cluster stack files that name the zone; the
service control policies are the organization baseline's, read from the baseline stack files.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from components.k8s.incluster_config import NAMESPACE, parse_incluster_config
from regzone.assurance_levels import LEVELS, LevelControl, Need, assurance_levels
from regzone.catalog import load_catalog
from regzone.config.baseline import load_baseline
from regzone.config.loader import read_stack_file
from regzone.config.model import StackConfig, Zone
from regzone.paths import BASELINE_DIR
from regzone.tags import CHANGE_REF_UNSET
from regzone.zone_stack import stack_name

BUILT = "built or enforced for every zone; the pack checks it at preview"


@dataclass(frozen=True)
class ControlStatus:
    id: str
    title: str
    level: int  # the level that introduces it
    rationale: str
    met: bool
    reason: str


@dataclass(frozen=True)
class ZoneLevel:
    zone: str
    level: int
    title: str
    data_classes: list[str]
    minimum: int
    minimum_set_by: str | None
    controls: list[ControlStatus]  # every control the zone's level requires
    next_level: int | None
    next_title: str | None
    next_adds: list[ControlStatus]  # what the next level adds
    not_yet_controlled: list[str]  # practices of the zone's level no control implements yet

    @property
    def missing(self) -> list[ControlStatus]:
        return [c for c in self.controls if not c.met]


@dataclass(frozen=True)
class _Context:
    stack_name: str
    stack: StackConfig
    zone: Zone
    incluster_dir: Path
    baseline_dir: Path


def _verifying_stacks(ctx: _Context) -> tuple[list[str], list[str]]:
    """(in-cluster stacks of the zone that verify signatures, those that do not)."""
    verifying, not_verifying = [], []
    for path in sorted(ctx.incluster_dir.glob("Pulumi.*.yaml")):
        settings = parse_incluster_config(read_stack_file(path), str(path))
        if settings.zone_stack_name == ctx.stack_name and settings.zone == ctx.zone.name:
            shown = f"{ctx.incluster_dir.name}/{path.name}"
            (verifying if settings.verify_image_signatures else not_verifying).append(shown)
    return verifying, not_verifying


def _signature_verification(ctx: _Context) -> tuple[bool, str]:
    verifying, not_verifying = _verifying_stacks(ctx)
    if verifying:
        return True, f"admission verifies signatures (in-cluster stack {', '.join(verifying)})"
    where = (f"in-cluster stack {', '.join(not_verifying)} does not verify" if not_verifying
             else "no in-cluster stack of the zone verifies")
    return False, (f"{where} image signatures at admission: set {NAMESPACE}:verify_image_signatures: true and "
                   "signer_public_key (Kyverno must run in the cluster)")


def _guarding_units(ctx: _Context) -> list[str]:
    """`<baseline file>: <unit>` for each organizational unit an organization baseline attaches the
    regzone SCPs to and whose zone stacks include this stack."""
    found = []
    for path in sorted(ctx.baseline_dir.glob("Pulumi.*.yaml")):
        if read_stack_file(path).get("regzone-baseline:scope") != "organization":
            continue
        baseline = load_baseline(path.name.removeprefix("Pulumi.").removesuffix(".yaml"), ctx.baseline_dir)
        found += [f"{ctx.baseline_dir.name}/{path.name}: {unit.id}"
                  for unit in baseline.settings.service_control_policies.units
                  if ctx.stack_name in {stack_name(s) for s in unit.zone_stacks}]
    return found


def _organization_guardrails(ctx: _Context) -> tuple[bool, str]:
    units = _guarding_units(ctx)
    if units:
        return True, f"the regzone SCPs attach to the stack's unit ({', '.join(units)})"
    return False, (f"no organization baseline (regzone-baseline:scope: organization) lists stack {ctx.stack_name} "
                   "in service_control_policies.units[].zone_stacks: add it to the unit of its account "
                   "(docs/baseline.md)")


def _names_change(stack: StackConfig) -> bool:
    """The same placeholder `required-tags` blocks (RAZ-CHG-001)."""
    return stack.change_ref.strip().lower() != CHANGE_REF_UNSET


# Need -> (does the zone meet it, why), from the stack config.
JUDGES: dict[Need, Callable[[_Context], tuple[bool, str]]] = {
    "registry": lambda c: (c.zone.registry is not None, "the zone's restricted registry" if c.zone.registry
                           else "the zone has no registry: add `registry` to the zone"),
    "cluster": lambda c: (c.zone.cluster is not None, "the zone's private cluster" if c.zone.cluster
                          else "the zone has no cluster: add `cluster` to the zone"),
    "change_ref": lambda c: (_names_change(c.stack),
                             f"deployments name change {c.stack.change_ref}" if _names_change(c.stack)
                             else "regzone:change_ref is unset: set it to the approved change"),
    "no_internet_egress": lambda c: (c.zone.regulated_ai_zone.egress.is_air_gapped,
                                     "the zone is air-gapped" if c.zone.regulated_ai_zone.egress.is_air_gapped
                                     else "the zone allows egress to "
                                     f"{', '.join(c.zone.regulated_ai_zone.egress.allowed_destinations)}: "
                                     "set regulated_ai_zone.egress.air_gapped: true"),
    "signature_verification": _signature_verification,
    "organization_guardrails": _organization_guardrails,
}


def _status(ctx: _Context, level: int, entry: LevelControl) -> ControlStatus:
    results = [JUDGES[need](ctx) for need in entry.needs]
    unmet = [reason for met, reason in results if not met]
    reason = "; ".join(unmet) if unmet else ("; ".join(reason for _, reason in results) or BUILT)
    return ControlStatus(id=entry.control, title=load_catalog().control(entry.control).title, level=level,
                         rationale=entry.rationale, met=not unmet, reason=reason)


def zone_levels(name: str, stack: StackConfig, incluster_dir: Path, baseline_dir: Path = BASELINE_DIR) -> list[ZoneLevel]:
    levels = assurance_levels()
    found = []
    for zone in stack.zones:
        ctx = _Context(name, stack, zone, incluster_dir, baseline_dir)
        minimum, set_by = stack.zone_minimum_level(zone)
        following = zone.assurance_level + 1 if zone.assurance_level < LEVELS[-1] else None
        found.append(ZoneLevel(
            zone=zone.name, level=zone.assurance_level, title=levels.level(zone.assurance_level).title,
            data_classes=stack.zone_data_classes(zone), minimum=minimum, minimum_set_by=set_by,
            controls=[_status(ctx, n, entry) for n, entry in levels.required(zone.assurance_level)],
            next_level=following, next_title=levels.level(following).title if following else None,
            next_adds=[_status(ctx, following, entry) for entry in levels.level(following).controls] if following else [],
            not_yet_controlled=[p for lv in levels.levels[:zone.assurance_level] for p in lv.not_yet_controlled]))
    return found
