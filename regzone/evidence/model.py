"""The data the evidence collector passes around: collected resources, API failures, findings."""
from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterator
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


# The fields a judgement found missing (Answer.get / [] / `in` without the field), in the order met.
_MISSING: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("missing_fields", default=None)
# The checks and the judging helpers they share (not the scoping in checks/__init__.py).
_CHECK_CODE = ("regzone.evidence.checks.", "regzone.evidence.rules")


@contextlib.contextmanager
def missing_fields() -> Iterator[list[str]]:
    """Collect the fields the API answers lacked while a check judged one resource: a verdict that
    read a missing field cannot be PASS (checks.per_resource makes it ERROR, naming the field)."""
    missing: list[str] = []
    token = _MISSING.set(missing)
    try:
        yield missing
    finally:
        _MISSING.reset(token)


# Where the fields a check's code found are noted, with the answer they sit in (tests/evidence/test_missing_fields.py).
_FOUND: contextvars.ContextVar[list[tuple["Answer", Any]] | None] = contextvars.ContextVar("found_fields", default=None)


@contextlib.contextmanager
def found_fields() -> Iterator[list[tuple["Answer", Any]]]:
    """Note (answer, key) of every field a check's own code reads and finds."""
    found: list[tuple[Answer, Any]] = []
    token = _FOUND.set(found)
    try:
        yield found
    finally:
        _FOUND.reset(token)


def _asked(answer: "Answer", key: Any, present: bool) -> None:
    # What a check's own code asks for. Shared evaluators it calls (regzone_core.policy for policy
    # documents, trail_events for event selectors) give absent elements their documented meaning.
    if not sys._getframe(2).f_globals.get("__name__", "").startswith(_CHECK_CODE):
        return
    if not present:
        missing = _MISSING.get()
        if missing is not None:
            missing.append(_join(answer.path, key))
    elif (found := _FOUND.get()) is not None:
        found.append((answer, key))


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def answer(value: Any, path: str) -> Any:
    """`value` as checks read it: API answers (dicts, lists) become Answer/AnswerList views that
    note every field a check asks for and does not find."""
    if type(value) is dict:
        return Answer(value, path)
    if type(value) is list:
        return AnswerList(value, path)
    return value


def absent_means(mapping: Any, key: str, default: Any, why: str) -> Any:
    """`mapping[key]`, or `default` where the API documents that an absent field means it (`why`
    cites where): a documented absence is not a missing field."""
    assert why  # nosec B101 - the reason is part of the call, for the reader
    return dict.get(mapping, key, default)


class Answer(dict):
    """An API answer (or a collector's map of them) that knows where it sits. `get`, `[]` and `in`
    by a check on a field it lacks note the field as missing: whatever the check then decides, it
    does not PASS (checks.per_resource). A documented absence is read with `absent_means`."""

    def __init__(self, data: dict, path: str) -> None:
        super().__init__({k: answer(v, _join(path, k)) for k, v in data.items()})
        self.path = path

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, answer(value, _join(self.path, key)))

    def get(self, key: Any, default: Any = None) -> Any:
        present = dict.__contains__(self, key)
        _asked(self, key, present)
        return dict.__getitem__(self, key) if present else default

    def __getitem__(self, key: Any) -> Any:
        _asked(self, key, dict.__contains__(self, key))
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        present = dict.__contains__(self, key)
        _asked(self, key, present)
        return present


class AnswerList(list):
    """A list in an API answer; its elements are Answer views named by their index."""

    def __init__(self, data: list, path: str) -> None:
        super().__init__(answer(v, _join(path, i)) for i, v in enumerate(data))
        self.path = path


@dataclass
class Resource:
    """One collected resource. `data` values that could not be read hold the ApiError instead; the
    rest are read as Answer views (a missing field never passes a check)."""
    id: str                      # ARN, or the resource id where AWS has no ARN
    region: str
    data: dict[str, Any] = field(default_factory=dict)
    parent: Resource | None = None   # e.g. the VPC of a subnet: its zone tag scopes the child

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "data" and type(value) is dict:
            value = Answer(value, "")
        object.__setattr__(self, name, value)

    def get(self, key: str) -> Any:
        present = dict.__contains__(self.data, key)
        _asked(self.data, key, present)  # a read by the check calling this
        value = dict.__getitem__(self.data, key)
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
