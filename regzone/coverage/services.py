"""Per AWS service a regulated AI workload plausibly uses (catalog/services.yaml), the controls that judge
it, derived from the type coverage: a control judges a service when one of its policies judges one of the
service's resource types. A service no control judges carries its reason (`gap`); the matrix check
reports one without, a stale reason, and a service whose type globs match no type of the SDKs."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from regzone.coverage import ControlCoverage
from regzone.coverage.sdk import SdkIndex
from regzone.catalog_files import load_catalog_yaml


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    types: list[str] = Field(min_length=1)   # type-token globs
    gap: str | None = None                   # why no control judges it


class Services(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cross_cutting: list[str]                 # controls that judge every AWS type: shown once, not per service
    services: dict[str, Service]


@lru_cache(maxsize=1)
def load_services() -> Services:
    return Services.model_validate(load_catalog_yaml("services.yaml"))


@dataclass
class ServiceCoverage:
    name: str
    service: Service
    types: list[str]       # the SDK types the service's globs match
    controls: list[str]    # controls (not cross-cutting) whose policies judge one of them, in catalog order

    def problems(self) -> list[str]:
        if not self.types:
            return [f"service {self.name}: its types {self.service.types} match no resource type of the SDKs"]
        if not self.controls and not self.service.gap:
            return [f"service {self.name}: no control judges it and catalog/services.yaml gives no `gap` reason"]
        if self.controls and self.service.gap:
            return [f"service {self.name}: `gap` is stale, {', '.join(self.controls)} judge it"]
        return []


def service_coverage(coverage: list[ControlCoverage], index: SdkIndex,
                     services: Services | None = None) -> list[ServiceCoverage]:
    services = load_services() if services is None else services
    result = []
    for name, service in services.services.items():
        types = [t for t in index.types() if any(fnmatch.fnmatchcase(t, g) for g in service.types)]
        wanted = set(types)
        controls = [c.control.id for c in coverage
                    if c.control.id not in services.cross_cutting and wanted & set(c.judged)]
        result.append(ServiceCoverage(name, service, types, controls))
    return result


def service_problems(coverage: list[ServiceCoverage], known_controls: set[str],
                     services: Services | None = None) -> list[str]:
    services = load_services() if services is None else services
    found = [problem for entry in coverage for problem in entry.problems()]
    found += [f"catalog/services.yaml cross_cutting names {c}, which is not a control"
              for c in services.cross_cutting if c not in known_controls]
    return found


def services_markdown(coverage: list[ServiceCoverage], services: Services | None = None) -> str:
    services = load_services() if services is None else services
    cross = ", ".join(f"[{c}](controls.md#{c.lower()})" for c in services.cross_cutting)
    lines = [f"Every service is also judged by the cross-cutting controls {cross}.", "",
             "| service | resource types | controls that judge it | gap |", "|---|---|---|---|"]
    for entry in coverage:
        controls = ", ".join(f"[{c}](controls.md#{c.lower()})" for c in entry.controls) or "none"
        globs = ", ".join(f"`{g}`" for g in entry.service.types)
        gap = (entry.service.gap or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {entry.service.title} | {globs} ({len(entry.types)}) | {controls} | {gap} |")
    return "\n".join(lines) + "\n"
