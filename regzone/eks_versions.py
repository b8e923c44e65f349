"""The EKS version calendar (catalog/eks_versions.yaml): which Kubernetes versions a new cluster
may use today, and the add-on versions pinned for them."""
from __future__ import annotations

import datetime
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from regzone.catalog_files import load_catalog_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EksVersion(_Strict):
    eks_release: datetime.date
    end_of_standard_support: datetime.date
    end_of_extended_support: datetime.date


class AddonPins(_Strict):
    vpc_cni: str
    coredns: str
    kube_proxy: str
    eks_pod_identity_agent: str


class EksCalendar(_Strict):
    source: str
    checked: datetime.date
    default: str
    versions: dict[str, EksVersion]
    addons: dict[str, AddonPins]

    def in_standard_support(self, today: datetime.date) -> list[str]:
        return sorted((v for v, d in self.versions.items()
                       if d.eks_release <= today < d.end_of_standard_support),
                      key=lambda v: tuple(int(p) for p in v.split(".")))

    def version_problem(self, version: str, today: datetime.date) -> str | None:
        """Why a new cluster may not use `version` today (None: it may)."""
        supported = ", ".join(self.in_standard_support(today)) or "none (update catalog/eks_versions.yaml)"
        dates = self.versions.get(version)
        if dates is None:
            return (f"is not in the EKS release calendar (catalog/eks_versions.yaml); valid (standard "
                    f"support on {today}): {supported}")
        if today >= dates.end_of_standard_support:
            return (f"left EKS standard support on {dates.end_of_standard_support} (extended support is billed "
                    f"per cluster hour); valid (standard support on {today}): {supported}")
        if today < dates.eks_release:
            return f"is not released on EKS until {dates.eks_release}; valid (standard support on {today}): {supported}"
        return None


@lru_cache(maxsize=1)
def eks_calendar() -> EksCalendar:
    calendar = EksCalendar.model_validate(load_catalog_yaml("eks_versions.yaml"))
    if calendar.default not in calendar.versions or calendar.default not in calendar.addons:
        raise ValueError(f"catalog/eks_versions.yaml: default {calendar.default} needs a calendar row and add-on pins")
    return calendar
