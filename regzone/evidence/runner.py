"""Run the evidence checks: collect every needed service in parallel, judge, map to catalog controls."""
from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TextIO

import boto3

from regzone.catalog import load_catalog
from regzone.evidence.aws import Aws, identify
from regzone.evidence.checks import Check, ScanContext, load_checks
from regzone.evidence.collectors import GLOBAL, GLOBAL_SERVICES, CollectContext, collectors
from regzone.evidence.model import ApiError, Finding, Inventory, NotJudged, Result, ScanError, Skipped, Status

_SERVICE_WORKERS = 8
RECORD_CHECKS = ("deployment_drift", "deployment_record_verified")   # judge --record only
__all__ = ["Progress", "Report", "ScanError", "ScanOptions", "scan", "select_checks"]


@dataclass(frozen=True)
class ScanOptions:
    regions: tuple[str, ...]
    zone: str | None = None
    min_retention_days: int = 0
    checks: tuple[str, ...] = ()          # empty: every check
    # Zone -> (region, attestation condition key -> accepted measurements), from a stack file
    # (`--stack`); None: the configured measurements are unknown (checks comparing them say so).
    attestation: dict[str, tuple[str, dict[str, list[str]]]] | None = None
    max_workers: int = 16                 # per-resource calls in flight
    retry_mode: str = "adaptive"
    max_attempts: int = 5
    # The role that runs `pulumi up`: its use of a key that is only what AWS performs as the caller
    # (catalog/key_caller_permissions.yaml) is not a duty conflict, as at preview.
    deployer_role_arn: str | None = None
    records: tuple[str, ...] = ()         # s3:// URIs of deployment records to verify and compare


@dataclass
class Report:
    generated_at: str
    account: str
    regions: tuple[str, ...]
    zone: str | None
    min_retention_days: int
    findings: list[Finding]
    stats: dict[str, float] = field(default_factory=dict)
    # What the run did not look at: resources outside the scanned regions, resources read and not judged.
    skipped: list[Skipped] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for finding in self.findings:
            counts[finding.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(f.status is Status.PASS for f in self.findings)


class Progress:
    """Resources collected so far. On a terminal one self-overwriting line; otherwise (a CI log) a
    line every `interval` seconds, so that a long scan is seen moving."""

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval
        self.resources = self.services_done = self.services = 0
        self._began = time.monotonic()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None

    def _line(self) -> str:
        return (f"regzone evidence: {self.resources} resources collected, {self.services_done}/{self.services} "
                f"services done, {time.monotonic() - self._began:.0f}s")

    def start(self, services: int) -> None:
        self.services, self._began = services, time.monotonic()
        if not self.tty:
            self._ticker = threading.Thread(target=self._tick, name="evidence-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stopped.wait(self.interval):
            with self._lock:
                self.stream.write(self._line() + "\n")
                self.stream.flush()

    def _update(self, resources: int = 0, services: int = 0) -> None:
        with self._lock:
            self.resources += resources
            self.services_done += services
            if self.tty:
                self.stream.write("\r\033[K" + self._line())
                self.stream.flush()

    def resource(self, count: int = 1) -> None:
        """That many resources' calls are done."""
        self._update(resources=count)

    def service_done(self) -> None:
        self._update(services=1)

    def finish(self) -> None:
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def select_checks(names: tuple[str, ...]) -> tuple[Check, ...]:
    checks = load_checks()
    unknown = set(names) - {c.name for c in checks}
    if unknown:
        raise ScanError(f"unknown check(s): {', '.join(sorted(unknown))}; valid: {', '.join(c.name for c in checks)}")
    return tuple(c for c in checks if not names or c.name in names)


def _verified(session: boto3.Session, uri: str):
    """The record at `uri`, verified; one that cannot be read carries why instead of a document."""
    from regzone.record.store import RecordError, Verification, verify

    try:
        return verify(session, uri)
    except RecordError as error:
        return Verification(uri, None, [str(error)])


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


def check_regions(session: boto3.Session, regions: tuple[str, ...], partition: str | None = None) -> None:
    """Every region must be one of the partition's (botocore's endpoint data), or of any partition
    before the account is known: a typo would otherwise become one connection error per API call."""
    partitions = [partition] if partition else session.get_available_partitions()
    known = {p: session.get_available_regions("ec2", partition_name=p) for p in partitions}
    valid = {r for names in known.values() for r in names}
    for region in regions:
        if region not in valid:
            where = f"partition {partition} (the account's)" if partition else "any AWS partition"
            names = known.get(partition or "aws", [])
            raise ScanError(f"--region {region}: not a region of {where}; valid: {', '.join(sorted(names))}")


def _nothing_in_scope(check: Check, ctx: ScanContext) -> list[Result]:
    """A check the user asked for by name that found nothing to judge fails: it proves nothing."""
    scope = f" tagged zone={ctx.zone}" if ctx.zone else ""
    return [Result(ctx.scope_id(check.services[0], region), region, Status.FAIL,
                   f"nothing to judge: no {check.resource_type} in {region}{scope}; a check asked for with --check "
                   "must find what it checks") for region in ctx.regions]


def scan(options: ScanOptions, session: boto3.Session | None = None, progress: Progress | None = None) -> Report:
    began = time.perf_counter()
    session = session or boto3.Session()
    progress = progress or Progress()
    checks = select_checks(options.checks)
    if not options.records and set(options.checks) & set(RECORD_CHECKS):
        raise ScanError(f"--check {', '.join(sorted(set(options.checks) & set(RECORD_CHECKS)))} needs a deployment "
                        "record: pass --record s3://BUCKET/KEY or --record latest --stack NAME")
    check_regions(session, options.regions)
    identity = identify(session, options.regions[0])
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    check_regions(session, options.regions, partition)
    aws = Aws(session, retry_mode=options.retry_mode, max_attempts=options.max_attempts,
              max_workers=options.max_workers)

    services = sorted({s for c in checks for s in c.services})
    tasks = [(s, r) for s in services for r in ((GLOBAL,) if s in GLOBAL_SERVICES else options.regions)]
    progress.start(len(tasks))
    collected: dict[tuple[str, str], Inventory] = {}
    try:
        with ThreadPoolExecutor(options.max_workers, thread_name_prefix="evidence-call") as calls, \
                ThreadPoolExecutor(min(_SERVICE_WORKERS, len(tasks) or 1), thread_name_prefix="evidence-svc") as svc:
            # Drift finds the resources of the record's zone by their tags, so records need them too.
            cctx = CollectContext(aws, account, partition, options.regions,
                                  options.zone is not None or bool(options.records), calls, progress.resource)
            futures = {svc.submit(_collect, cctx, s, r): (s, r) for s, r in tasks}
            for future in as_completed(futures):
                collected[futures[future]] = future.result()
                progress.service_done()
    finally:
        progress.finish()

    ctx = ScanContext(account, partition, options.regions, options.zone, options.min_retention_days, collected,
                      deployer_role_arn=options.deployer_role_arn, attestation=options.attestation,
                      records=tuple(_verified(session, uri) for uri in options.records))
    findings = []
    # An ERROR of a zone-scoped check may hide the zone's resources; one of an account-wide check
    # (the account's SCPs or settings) says nothing about whether the zone exists.
    zone_unreadable = False
    for check in checks:
        asked, ctx.zone_asked = ctx.zone_asked, False
        ctx.check = check.name
        results = _run_check(check, ctx)
        zone_unreadable |= ctx.zone_asked and any(r.status is Status.ERROR for r in results)
        ctx.zone_asked |= asked
        if not results and check.name in options.checks:
            results = _nothing_in_scope(check, ctx)
        findings += _findings(check, results)
    if options.zone is not None and ctx.zone_asked and not ctx.zone_matched and not zone_unreadable:
        found = ", ".join(sorted(ctx.zones_seen)) or "none"
        raise ScanError(f"--zone {options.zone}: no resource the selected checks read in account {account} "
                        f"({', '.join(options.regions)}) carries the tag zone={options.zone}; zones found: {found}")
    return Report(datetime.now(timezone.utc).isoformat(timespec="seconds"), account, options.regions, options.zone,
                  options.min_retention_days, findings,
                  {"seconds": round(time.perf_counter() - began, 3), "api_calls": aws.api_calls + 1,
                   "http_requests": aws.http_requests + 1}, _skipped(collected), ctx.not_judged)


def _skipped(collected: dict[tuple[str, str], Inventory]) -> list[Skipped]:
    """Per service, kind and region: how many resources lay outside the scanned regions (a resource
    seen from several scanned regions counts once)."""
    outside: dict[tuple[str, str, str], set[str]] = {}
    for inventory in collected.values():
        for (kind, region), ids in inventory.outside.items():
            outside.setdefault((inventory.service, kind, region), set()).update(ids)
    return [Skipped(service, kind, region, len(ids)) for (service, kind, region), ids in sorted(outside.items())]
