"""Checks: one folder per check, `check.py` (an `execute(ctx)` that judges collected data only)
and `metadata.json` (title, severity, resource type, subject -- what it reads and judges --, risk,
remediation, IAM permissions, and the collectors it reads). Helpers here turn collection failures into ERROR results for the check."""
from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from regzone.evidence.collectors import GLOBAL_SERVICES, ZONE_TAG_PERMISSIONS, collectors
from regzone.evidence.model import ApiError, Inventory, NotJudged, Resource, Result, Status, missing_fields
from regzone.evidence.rules import audit_destinations, audit_sources
from regzone.tags import TAG_ZONE
from regzone_core.policy import PolicyError

CHECKS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Unjudged:
    """A check's answer for a resource it reads but deliberately does not judge; the report lists it."""
    reason: str


Verdict = tuple[Status, str] | Unjudged | None


def passed(message: str) -> Verdict:
    return Status.PASS, message


def failed(message: str) -> Verdict:
    return Status.FAIL, message


def not_judged(reason: str) -> Verdict:
    return Unjudged(reason)


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    severity: str
    resource_type: str
    subject: str          # what the check reads and judges; tests tie it to the controls citing the check
    risk: str
    remediation: str
    permissions: tuple[str, ...]
    services: tuple[str, ...]
    execute: Callable[["ScanContext"], Iterable[Result]]


@lru_cache(maxsize=1)
def load_checks() -> tuple[Check, ...]:
    """Every check folder, sorted by name; metadata is validated so a typo fails loudly."""
    known_services = set(collectors())
    checks = []
    for folder in sorted(p for p in CHECKS_DIR.iterdir() if (p / "metadata.json").is_file()):
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        module = importlib.import_module(f"{__name__}.{folder.name}.check")
        unknown = set(meta["services"]) - known_services
        if unknown:
            raise ValueError(f"check {folder.name}: unknown services {sorted(unknown)} in metadata.json")
        checks.append(Check(folder.name, meta["title"], meta["severity"], meta["resource_type"], meta["subject"],
                            meta["risk"], meta["remediation"], tuple(meta["permissions"]), tuple(meta["services"]),
                            module.execute))
    return tuple(checks)


def iam_policy() -> dict:
    """The least-privilege policy for an auditor's role: what the checks read, and the zone tags."""
    actions = sorted({p for check in load_checks() for p in check.permissions} | set(ZONE_TAG_PERMISSIONS))
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "RegzoneEvidenceReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}]}


@dataclass
class ScanContext:
    """What a check may read: the collected inventories and the scan's settings."""
    account: str
    partition: str
    regions: tuple[str, ...]
    zone: str | None
    min_retention_days: int
    collected: dict[tuple[str, str], Inventory]
    deployer_role_arn: str | None = None               # the role that runs `pulumi up` (--deployer-role-arn)
    # Zone -> (region, attestation condition key -> measurements) configured in the stack file, or None.
    attestation: dict[str, tuple[str, dict[str, list[str]]]] | None = None
    records: tuple = ()                                # --record: regzone.record.store.Verification each
    zone_asked: bool = False                           # some check judges zone-scoped resources
    zone_matched: bool = False                         # with --zone: some resource carried the tag
    zones_seen: set[str] = field(default_factory=set)  # zone tags seen, for a --zone that matches nothing
    check: str = ""                                    # the check running now
    not_judged: list[NotJudged] = field(default_factory=list)   # what checks read and did not judge, and why

    def inventories(self, service: str) -> list[Inventory]:
        regions = ("global",) if service in GLOBAL_SERVICES else self.regions
        return [self.collected[(service, region)] for region in regions]

    def inventory(self, service: str, region: str) -> Inventory:
        return self.collected[(service, "global" if service in GLOBAL_SERVICES else region)]

    def scope_id(self, service: str, region: str) -> str:
        """Where no single resource can be named (a list call failed, a region has none)."""
        return f"{self.account}/{region}/{service}"

    def in_scope(self, resource: Resource) -> bool:
        """Everything without `--zone`; with it, resources (or their VPC) tagged zone=<name>."""
        if self.zone is None:
            return True
        zone = resource.get("tags").get(TAG_ZONE)
        if zone is None and resource.parent is not None:
            zone = resource.parent.get("tags").get(TAG_ZONE)
        if zone is not None:
            self.zones_seen.add(zone)
        self.zone_matched |= zone == self.zone
        return zone == self.zone


def per_resource(ctx: ScanContext, service: str, kind: str,
                 judge: Callable[[Resource, ScanContext], Verdict], *, scoped: bool = True) -> Iterator[Result]:
    """Judge every collected resource of `kind`; anything that could not be read is an ERROR."""
    ctx.zone_asked |= scoped
    for inventory in ctx.inventories(service):
        try:
            resources = inventory.of(kind)
        except ApiError as error:
            yield Result(ctx.scope_id(service, inventory.region), inventory.region, Status.ERROR,
                         f"cannot list {kind}s: {error}")
            continue
        for resource in resources:
            try:
                if scoped and not ctx.in_scope(resource):
                    continue
                with missing_fields() as missing:
                    verdict = judge(resource, ctx)
                if missing and isinstance(verdict, tuple) and verdict[0] is Status.PASS:
                    verdict = Status.ERROR, (f"the API answer lacks {', '.join(dict.fromkeys(missing))}, which this "
                                             "check reads: it cannot pass on what AWS did not say")
            except ApiError as error:
                yield Result(resource.id, resource.region, Status.ERROR, str(error))
                continue
            except PolicyError as error:   # a document that cannot be evaluated proves nothing
                yield Result(resource.id, resource.region, Status.ERROR, f"cannot evaluate its policy: {error}")
                continue
            if isinstance(verdict, Unjudged):
                ctx.not_judged.append(NotJudged(ctx.check, resource.id, resource.region, verdict.reason))
            elif verdict is not None:
                yield Result(resource.id, resource.region, *verdict)


def per_audit_bucket(ctx: ScanContext, judge: Callable[[Resource, list[str], ScanContext], Verdict],
                     destinations: dict[str, list[str]] | None = None) -> Iterator[Result]:
    """Judge every bucket that holds audit evidence (`judge(bucket, sources, ctx)`, sources saying why);
    regions whose trails or flow logs could not be read are ERRORs: nobody can tell which buckets those feed."""
    if destinations is None:
        destinations, unknown = audit_destinations(ctx)
        for region, error in unknown:
            yield Result(ctx.scope_id("s3", region), region, Status.ERROR,
                         f"cannot tell which buckets receive audit logs: {error}")

    def audit_only(bucket: Resource, ctx: ScanContext) -> Verdict:
        sources = audit_sources(bucket, destinations)
        return judge(bucket, sources, ctx) if sources else None

    yield from per_resource(ctx, "s3", "bucket", audit_only)
