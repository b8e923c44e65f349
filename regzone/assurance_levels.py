"""Assurance levels (catalog/assurance_levels.yaml): the catalog controls each level of the maturity
path requires, and the lowest level each data class may sit at.

Validated on load against catalog/controls.yaml: every named control exists, each is placed exactly
once (in one level, or outside the levels with a reason), levels run 1..4 without a gap, and every
data class of the catalog has a minimum. Level n requires its own controls and all of levels below.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from regzone.catalog import Catalog, load_catalog
from regzone.catalog_files import load_catalog_yaml

LEVELS = (1, 2, 3, 4)
AssuranceLevel = Literal[1, 2, 3, 4]
# What a zone's config must contain to meet a control (judged by regzone/levels/zone_status.py):
# registry: the zone has a restricted registry; cluster: a private EKS cluster; change_ref: the stack
# names a change (regzone:change_ref, not the placeholder); signature_verification: an in-cluster
# stack of the zone verifies image signatures at admission; no_internet_egress: an air-gapped zone;
# organization_guardrails: an organization baseline attaches the regzone SCPs to the stack's unit.
Need = Literal["registry", "cluster", "change_ref", "signature_verification", "no_internet_egress",
               "organization_guardrails"]
LEVELS_FILE = "assurance_levels.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelControl(_Strict):
    control: str
    rationale: str = Field(min_length=1)
    needs: list[Need] = []

    @model_validator(mode="before")
    @classmethod
    def _one_need(cls, data):
        """`needs: registry` reads as `needs: [registry]`."""
        if isinstance(data, dict) and isinstance(data.get("needs"), str):
            return {**data, "needs": [data["needs"]]}
        return data


class Level(_Strict):
    level: AssuranceLevel
    title: str = Field(min_length=1)
    practices: str = Field(min_length=1)
    controls: list[LevelControl] = Field(min_length=1)
    not_yet_controlled: list[str] = []
    # How often a zone of this level rehearses its rollback (docs/rollback.md); None: no cadence set.
    rollback_rehearsal_days: int | None = Field(default=None, ge=1)


class OutsideLevels(_Strict):
    controls: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)


class ClassMinimum(_Strict):
    level: AssuranceLevel
    rationale: str = Field(min_length=1)


class AssuranceLevels(_Strict):
    version: int
    source: str
    levels: list[Level]
    # How long a rollback may take, from the decision to roll back to the new verified record.
    rollback_objective_minutes: int = Field(ge=1)
    outside_levels: list[OutsideLevels] = []
    data_class_minimums: dict[str, ClassMinimum]

    @model_validator(mode="after")
    def _ordered(self) -> "AssuranceLevels":
        found = tuple(level.level for level in self.levels)
        if found != LEVELS:
            raise ValueError(f"levels must be listed once each, in order: {list(LEVELS)}; found {list(found)}")
        cadence = [(level.level, level.rollback_rehearsal_days) for level in self.levels
                   if level.rollback_rehearsal_days is not None]
        for (lower, lower_days), (higher, days) in zip(cadence, cadence[1:]):
            if days > lower_days:
                raise ValueError(f"level {higher} rehearses its rollback every {days} days, less often than level "
                                 f"{lower} ({lower_days} days): a higher level rehearses at least as often")
        return self

    def level(self, number: int) -> Level:
        return self.levels[number - 1]

    def required(self, number: int) -> list[tuple[int, LevelControl]]:
        """(level that introduces it, entry) for every control level `number` requires."""
        return [(level.level, entry) for level in self.levels[:number] for entry in level.controls]

    def levelled_controls(self) -> dict[str, int]:
        """Control id -> the level that introduces it."""
        return {entry.control: level.level for level in self.levels for entry in level.controls}

    def class_minimum(self, data_class: str, configured: int | None = None) -> int | None:
        """The lowest level a zone holding `data_class` may declare: the catalog's minimum raised by the
        config's `min_assurance_level`; None when neither says (a class the catalog does not know)."""
        catalog = self.data_class_minimums.get(data_class)
        known = [n for n in (catalog.level if catalog else None, configured) if n is not None]
        return max(known) if known else None

    def check_against(self, catalog: Catalog) -> "AssuranceLevels":
        """Every control named exists in the catalog and is placed exactly once; every catalog control
        and every data class of the catalog is placed."""
        ids = {c.id for c in catalog.controls}
        placed: dict[str, str] = {}
        named = [(f"level {level.level}", entry.control) for level in self.levels for entry in level.controls]
        named += [("outside_levels", control) for group in self.outside_levels for control in group.controls]
        for where, control in named:
            if control not in ids:
                raise ValueError(f"{LEVELS_FILE}: {where} names {control}, which is not in catalog/controls.yaml")
            if control in placed:
                raise ValueError(f"{LEVELS_FILE}: {control} is placed twice ({placed[control]} and {where}): a "
                                 "level includes every lower level's controls, so each control is named once, at "
                                 "the lowest level that requires it")
            placed[control] = where
        unplaced = sorted(ids - set(placed))
        if unplaced:
            raise ValueError(f"{LEVELS_FILE}: catalog controls in no level: {', '.join(unplaced)}; valid: add "
                             "each to the lowest level that requires it, or to outside_levels with the reason")
        classes = set(catalog.data_class_frameworks)
        if set(self.data_class_minimums) != classes:
            missing = sorted(classes - set(self.data_class_minimums))
            extra = sorted(set(self.data_class_minimums) - classes)
            raise ValueError(f"{LEVELS_FILE}: data_class_minimums must name exactly the catalog's data classes "
                             f"(data_class_frameworks); missing: {missing or 'none'}, unknown: {extra or 'none'}")
        return self


def parse_levels(document: object, catalog: Catalog) -> AssuranceLevels:
    return AssuranceLevels.model_validate(document).check_against(catalog)


@lru_cache(maxsize=1)
def assurance_levels() -> AssuranceLevels:
    return parse_levels(load_catalog_yaml(LEVELS_FILE), load_catalog())
