"""The account against its deployment record: every recorded resource of a compared type still
exists with the settings it was deployed with, and no resource tagged with the record's zone is
missing from the record. Compared types and settings: regzone/record/settings.py. A record that
does not verify is not compared (deployment_record_verified reports it)."""
from __future__ import annotations

from collections.abc import Iterator

from regzone.evidence.collectors import GLOBAL, GLOBAL_SERVICES
from regzone.evidence.model import ApiError, Resource, Result, Status
from regzone.record.settings import ABSENT, JUDGED, identifiers
from regzone.tags import TAG_ZONE

_KINDS = sorted({(j.service, j.kind) for j in JUDGED.values()})


def _resources(ctx, service: str, kind: str, region: str) -> list[Resource]:
    return ctx.inventory(service, region).of(kind)


def _live(ctx, service: str, kind: str, region: str, target: str) -> Resource | None:
    for resource in _resources(ctx, service, kind, region):
        if service in GLOBAL_SERVICES and resource.region != region:
            continue
        if target in identifiers(kind, resource):
            return resource
    return None


def _compare(ctx, entry: dict) -> Result:
    judged = JUDGED[entry["type"]]
    target, recorded = entry["judged"].get("target"), entry["judged"].get("settings") or {}
    region = entry.get("region")
    where = region or GLOBAL
    if not target or not region:
        return Result(target or entry["urn"], where, Status.ERROR,
                      f"{entry['urn']}: the record names no {'id' if not target else 'region'} to find it by")
    if region not in ctx.regions:
        return Result(target, region, Status.ERROR,
                      f"{entry['urn']}: not compared: region {region} is not scanned (add --region {region})")
    try:
        live = _live(ctx, judged.service, judged.kind, region, target)
        if live is None:
            return Result(target, region, Status.FAIL, f"{entry['urn']} ({entry['type']}) is in the record but not "
                          "on the account: deleted or replaced outside a recorded deployment")
        settings = {s.name: s for s in judged.settings}
        differences = []
        for name, value in sorted(recorded.items()):
            actual = settings[name].live(live) if name in settings else ABSENT
            if actual != value:
                differences.append(f"{name}: recorded {value!r}, live {'absent' if actual is ABSENT else repr(actual)}")
    except ApiError as error:
        return Result(target, region, Status.ERROR, f"{entry['urn']}: cannot be compared: {error}")
    if differences:
        return Result(live.id, region, Status.FAIL,
                      f"{entry['urn']} differs from the record: {'; '.join(differences)}")
    return Result(live.id, region, Status.PASS, f"{entry['urn']} matches the record ({len(recorded)} settings)")


def _unrecorded(ctx, zone: str, accounted: set[str]) -> Iterator[Result]:
    for service, kind in _KINDS:
        for region in (GLOBAL,) if service in GLOBAL_SERVICES else ctx.regions:
            try:
                resources = _resources(ctx, service, kind, region)
            except ApiError as error:
                yield Result(ctx.scope_id(service, region), region, Status.ERROR,
                             f"cannot list {kind}s to find resources of zone {zone} outside the record: {error}")
                continue
            for resource in resources:
                try:
                    tagged = resource.get("tags").get(TAG_ZONE) == zone
                except ApiError as error:
                    yield Result(resource.id, resource.region, Status.ERROR, f"cannot read its zone tag: {error}")
                    continue
                if tagged and not identifiers(kind, resource) & accounted:
                    yield Result(resource.id, resource.region, Status.FAIL,
                                 f"tagged {TAG_ZONE}={zone} but no deployment record accounts for it: created or "
                                 "replaced outside a recorded deployment")


def execute(ctx):
    for record in ctx.records:
        if not record.ok:
            yield Result(record.uri, GLOBAL, Status.ERROR,
                         "not compared: the record does not verify (see deployment_record_verified)")
            continue
        entries = record.facet("regzone_inventory").get("resources") or []
        accounted = {value for entry in entries for value in (entry.get("id"), entry.get("arn"),
                                                             (entry.get("judged") or {}).get("target")) if value}
        for entry in entries:
            if entry.get("type") in JUDGED and "judged" in entry:
                yield _compare(ctx, entry)
        yield from _unrecorded(ctx, record.facet("regzone_record").get("zone"), accounted)
