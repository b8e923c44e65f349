"""The data the evidence collector passes around: collected resources, API failures, findings."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    PASS = "PASS"  # nosec B105
    FAIL = "FAIL"
    ERROR = "ERROR"


class ScanError(Exception):
    """The scan cannot start or its scope matches nothing: a usage error (exit 2), not a finding."""


class ApiError(Exception):
    """A call that did not answer: whatever depends on it becomes an ERROR finding, never a PASS."""

    def __init__(self, api: str, permission: str, reason: str):
        super().__init__(api, permission, reason)
        self.api, self.permission, self.reason = api, permission, reason

    def __str__(self) -> str:
        return f"{self.api} failed ({self.reason}); needs IAM permission {self.permission}"


@dataclass
class Resource:
    """One collected resource. `data` values that could not be read hold the ApiError instead."""
    id: str                      # ARN, or the resource id where AWS has no ARN
    region: str
    data: dict[str, Any] = field(default_factory=dict)
    parent: Resource | None = None   # e.g. the VPC of a subnet: its zone tag scopes the child

    def get(self, key: str) -> Any:
        value = self.data[key]
        if isinstance(value, ApiError):
            raise value
        return value


@dataclass
class Inventory:
    """What one collector gathered in one region (or "global"): resources by kind and shared facts."""
    service: str
    region: str
    resources: dict[str, list[Resource] | ApiError] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    error: ApiError | None = None    # the collector itself failed: nothing it would have found is known
    # Resources seen but left out because they live outside the scanned regions: (kind, region) -> ids.
    outside: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def left_out(self, kind: str, region: str, resource_id: str) -> None:
        self.outside.setdefault((kind, region), set()).add(resource_id)

    def of(self, kind: str) -> list[Resource]:
        if self.error is not None:
            raise self.error
        value = self.resources[kind]
        if isinstance(value, ApiError):
            raise value
        return value

    def fact(self, key: str) -> Any:
        if self.error is not None:
            raise self.error
        value = self.facts[key]
        if isinstance(value, ApiError):
            raise value
        return value


@dataclass(frozen=True)
class Result:
    """A check's verdict on one resource, before it is mapped to catalog controls."""
    resource: str
    region: str
    status: Status
    message: str


@dataclass(frozen=True)
class NotJudged:
    """A resource a check read and deliberately did not judge, with why (an AWS-managed key's rotation)."""
    check: str
    resource: str
    region: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "resource": self.resource, "region": self.region, "reason": self.reason}


@dataclass(frozen=True)
class Skipped:
    """Resources a collector saw and left out because they live outside the scanned regions."""
    service: str
    kind: str
    region: str
    count: int

    @property
    def reason(self) -> str:
        return f"{self.count} {self.kind}(s) in {self.region}, outside the scanned regions"

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "kind": self.kind, "region": self.region, "count": self.count,
                "reason": self.reason}


@dataclass(frozen=True)
class Finding:
    control: str | None
    check: str
    resource: str
    region: str
    status: Status
    message: str
    severity: str
    requirements: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return {"control": self.control, "check": self.check, "resource": self.resource,
                "region": self.region, "status": self.status.value, "message": self.message,
                "severity": self.severity, "requirements": self.requirements}
