"""The control catalog (catalog/controls.yaml) as typed, validated data.

Everything that reports on controls -- policies, the preview, the evidence collector and the
compliance matrix -- reads it through `load_catalog()` so that one file stays the truth.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from regzone.catalog_files import load_catalog_yaml

FrameworkName = Literal["SOX", "HIPAA", "PCI-DSS", "GDPR"]
Severity = Literal["low", "medium", "high", "critical"]


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    version: str
    reference: str
    min_audit_retention_days: int = Field(ge=0)


class CoverSelector(BaseModel):
    """Resource types whose SDK inputs can express a control's setting: every type matching one of
    `types` (type-token globs) that has an input matching one of `inputs` (dot-separated wire names,
    `*` one name, `**` any depth; regzone/coverage/sdk.py)."""

    model_config = ConfigDict(extra="forbid")
    types: list[str] = Field(min_length=1)
    inputs: list[str] = Field(min_length=1)


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^RAZ-[A-Z0-9]+-\d{3}$")
    title: str
    description: str
    severity: Severity
    requirements: dict[FrameworkName, list[str]]
    remediation: str
    component: str | None = None
    policies: list[str] = []
    evidence: list[str] = []
    justification: str | None = None
    # The SDK inputs that express the controlled setting (the candidate types are derived from the SDKs),
    # and the candidates none of the control's policies judges, each with its reason: type token (or
    # glob) -> reason (regzone/coverage).
    covers: list[CoverSelector] = []
    excused: dict[str, str] = {}

    @model_validator(mode="after")
    def _excuses_have_reasons(self) -> "Control":
        blank = sorted(token for token, reason in self.excused.items() if not reason.strip())
        if blank:
            raise ValueError(f"control {self.id} excuses {', '.join(blank)} without a reason")
        return self

    @model_validator(mode="after")
    def _gaps_are_justified(self) -> "Control":
        missing = [name for name, present in (("component", bool(self.component)),
                                               ("policies", bool(self.policies)),
                                               ("evidence", bool(self.evidence))) if not present]
        if missing and not self.justification:
            raise ValueError(f"control {self.id} has no {', '.join(missing)} and no justification")
        return self


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    docs_url: str
    kms_max_rotation_period_days: int = Field(ge=90, le=2560)
    frameworks: dict[FrameworkName, Framework]
    data_class_frameworks: dict[str, list[FrameworkName]]
    controls: list[Control]

    @model_validator(mode="after")
    def _ids_unique(self) -> "Catalog":
        seen: set[str] = set()
        for control in self.controls:
            if control.id in seen:
                raise ValueError(f"duplicate control id {control.id}")
            seen.add(control.id)
        return self

    def control(self, control_id: str) -> Control:
        for control in self.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def controls_for_policy(self, policy_name: str) -> list[Control]:
        return [c for c in self.controls if policy_name in c.policies]

    def controls_for_check(self, check_name: str) -> list[Control]:
        return [c for c in self.controls if check_name in c.evidence]

    def min_retention_days(self, frameworks: list[str]) -> int:
        return max((self.frameworks[f].min_audit_retention_days for f in frameworks), default=0)

    def docs_link(self, control_id: str) -> str:
        return f"{self.docs_url}#{control_id.lower()}"


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    return Catalog.model_validate(load_catalog_yaml("controls.yaml"))


@lru_cache(maxsize=1)
def region_az_counts() -> dict[str, int]:
    return dict(load_catalog_yaml("regions.yaml")["regions"])
