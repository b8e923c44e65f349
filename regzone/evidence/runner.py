"""Run the evidence checks: collect every needed service in parallel, judge, map to catalog controls."""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TextIO

import boto3

from regzone.catalog import load_catalog
from regzone.evidence.aws import Aws
from regzone.evidence.checks import Check, ScanContext, load_checks
from regzone.evidence.collectors import GLOBAL, GLOBAL_SERVICES, CollectContext, collectors
from regzone.evidence.model import ApiError, Finding, Inventory, Result, Status

_SERVICE_WORKERS = 8


class ScanError(Exception):
    """The scan cannot start (no credentials, unreachable endpoint): a usage error, not a finding."""


@dataclass(frozen=True)
class ScanOptions:
    regions: tuple[str, ...]
    zone: str | None = None
    min_retention_days: int = 0
    checks: tuple[str, ...] = ()          # empty: every check
    max_workers: int = 16                 # per-resource calls in flight
    retry_mode: str = "adaptive"
    max_attempts: int = 5


@dataclass
class Report:
    generated_at: str
    account: str
    regions: tuple[str, ...]
    zone: str | None
    min_retention_days: int
    findings: list[Finding]
    stats: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(f.status is Status.PASS for f in self.findings)


class Progress:
    """One self-overwriting status line on a terminal; silent when stderr is a file or pipe."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.done = self.total = 0

    def start(self, total: int) -> None:
        self.total = total

    def step(self, label: str) -> None:
        self.done += 1
        if self.enabled:
            self.stream.write(f"\r\033[Kregzone evidence: collected {self.done}/{self.total} ({label})")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def select_checks(names: tuple[str, ...]) -> tuple[Check, ...]:
    checks = load_checks()
    unknown = set(names) - {c.name for c in checks}
    if unknown:
        raise ScanError(f"unknown check(s): {', '.join(sorted(unknown))}")
    return tuple(c for c in checks if not names or c.name in names)


def _collect(cctx: CollectContext, service: str, region: str) -> Inventory:
    try:
        return collectors()[service](cctx, region)
    except Exception as error:  # a collector bug or an unexpected answer must not pass anything
        return Inventory(service, region, error=ApiError(f"{service} collector", "see docs/evidence.md",
                                                         f"{type(error).__name__}: {error}"))


def _run_check(check: Check, ctx: ScanContext) -> list[Result]:
    try:
        return list(check.execute(ctx))
    except Exception as error:  # fail closed: a check that cannot finish reports ERROR, the run goes on
        return [Result(ctx.account, GLOBAL, Status.ERROR, f"check could not complete: {error}")]


def _findings(check: Check, results: list[Result]) -> list[Finding]:
    catalog = load_catalog()
    controls = catalog.controls_for_check(check.name) or [None]
    return [Finding(control.id if control else None, check.name, r.resource, r.region, r.status, r.message,
                    control.severity if control else check.severity,
                    {k: list(v) for k, v in control.requirements.items()} if control else {})
            for r in results for control in controls]


def scan(options: ScanOptions, session: boto3.Session | None = None, progress: Progress | None = None) -> Report:
    began = time.perf_counter()
    progress = progress or Progress()
    checks = select_checks(options.checks)
    aws = Aws(session, retry_mode=options.retry_mode, max_attempts=options.max_attempts,
              max_workers=options.max_workers)
    try:
        identity = aws.call("sts", options.regions[0], "get_caller_identity")
    except ApiError as error:
        raise ScanError(f"cannot identify the AWS account: {error}") from error
    account, partition = identity["Account"], identity["Arn"].split(":")[1]

    services = sorted({s for c in checks for s in c.services})
    tasks = [(s, r) for s in services for r in ((GLOBAL,) if s in GLOBAL_SERVICES else options.regions)]
    progress.start(len(tasks))
    collected: dict[tuple[str, str], Inventory] = {}
    with ThreadPoolExecutor(options.max_workers, thread_name_prefix="evidence-call") as calls, \
            ThreadPoolExecutor(min(_SERVICE_WORKERS, len(tasks) or 1), thread_name_prefix="evidence-svc") as svc:
        cctx = CollectContext(aws, account, partition, options.regions, options.zone is not None, calls)
        futures = {svc.submit(_collect, cctx, s, r): (s, r) for s, r in tasks}
        for future in as_completed(futures):
            collected[futures[future]] = future.result()
            progress.step("/".join(futures[future]))
    progress.finish()

    ctx = ScanContext(account, partition, options.regions, options.zone, options.min_retention_days, collected)
    findings = [f for check in checks for f in _findings(check, _run_check(check, ctx))]
    return Report(datetime.now(timezone.utc).isoformat(timespec="seconds"), account, options.regions, options.zone,
                  options.min_retention_days, findings,
                  {"seconds": round(time.perf_counter() - began, 3), "api_calls": aws.api_calls,
                   "http_requests": aws.http_requests})
