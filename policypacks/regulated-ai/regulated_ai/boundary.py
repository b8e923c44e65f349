"""The zone boundary data may not leave: the regions residency allows it and the zone's account.

Data leaves a zone when a resource sends it to a destination (a replica bucket, a log subscriber, a
grantee, an account a snapshot is shared with). The destination is judged on where it is: an ARN
that carries region and account (`arn:aws:kinesis:eu-west-1:111122223333:stream/x`) by those fields;
an ARN without them (an S3 bucket, `arn:aws:s3:::name`) by the resource of the stack it comes from,
whose region is its own or its provider's and whose account is the one its provider assumes a role
in, else the deployer's. A destination that is neither is outside what the pack can verify and is
reported, never passed. The zone's regions are its registry `regions`, else `allowed_regions`
(`Settings.zone_regions`); its account is the deployer's (`deployer_role_arn`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from regulated_ai.documents import region_of, zone_account
from regulated_ai.framework import ResourceView
from regulated_ai.policies.placement import place
from regulated_ai.settings import Settings
from regulated_ai.values import Unverifiable, is_unknown, unverifiable

_ARN = re.compile(r"^arn:(aws[a-z-]*):([^:]*):([^:]*):([^:]*):(.+)$")
_ACCOUNT = re.compile(r"^\d{12}$")


def arn_parts(value: str) -> tuple[str, str] | None:
    """(region, account) of an ARN, each "" when the ARN has none; None when `value` is not an ARN."""
    match = _ARN.match(value)
    return (match.group(3), match.group(4)) if match else None


def provider_account(resource: ResourceView) -> str | None:
    """The account a resource's provider works in when it assumes a role (`assumeRoles[].roleArn`, the
    last in the chain, or `assumeRole.roleArn`); None when it assumes none (the deployer's own)."""
    chain = resource.provider_props.get("assumeRoles")
    if is_unknown(chain):
        raise unverifiable(chain, "provider.assumeRoles")
    single = resource.provider_props.get("assumeRole")
    roles = [r for r in (chain if isinstance(chain, list) else []) + [single] if isinstance(r, dict)]
    if not roles:
        return None
    arn = roles[-1].get("roleArn")
    if is_unknown(arn):
        raise unverifiable(arn, "provider.assumeRoles.roleArn")
    parts = arn_parts(arn) if isinstance(arn, str) else None
    return parts[1] if parts else None


def zone_of(resource: ResourceView) -> str | None:
    """The zone a resource belongs to (its `zone` tag, provider default tags included)."""
    try:
        placed = place(resource)
    except ValueError:   # malformed tags: required-tags reports them; judged against the pack-wide regions
        return None
    return placed.zone if placed is not None else None


def _outside(source: ResourceView, phrase: str, region: str, account: str, settings: Settings) -> Iterator[str]:
    """`phrase` says what the source does with whom ("replicates objects to bucket 'x'")."""
    zone = zone_of(source)
    allowed = settings.zone_regions(zone)
    label = f"'{source.name}' ({source.type}) {phrase}"
    if region and region not in allowed:
        scope = f"zone '{zone}'" if zone in settings.zones else "the pack (allowed_regions)"
        yield f"{label} in {region}, outside the regions allowed for {scope}: {', '.join(allowed) or 'none configured'}"
    if account:
        own = zone_account(settings)
        if own is None:
            yield (f"{label} in account {account}, and the zone's account is not configured (deployer_role_arn), "
                   "so the account boundary cannot be verified")
        elif account != own:
            yield f"{label} in account {account}, outside the zone's account {own}"


def destination_problems(source: ResourceView, path: str, value: object, origins: list[ResourceView],
                         phrase: str, settings: Settings | None = None) -> Iterator[str]:
    """Why the destination `value` (at input `path`, computed from the stack resources `origins`) lies
    outside the source's zone; nothing when it lies inside. `phrase` names the destination for the
    message ("replicates objects to"); `settings` are the policy's (a stack policy's, not the resource's).
    An unknown with no origin raises Unverifiable."""
    settings = settings or source.settings
    # Unknown, the value is the output of a resource the stack creates: its origins say where.
    parts = arn_parts(value) if not is_unknown(value) and isinstance(value, str) else None
    if parts is not None and parts[1] and (parts[0] or not origins):   # the ARN says where
        yield from _outside(source, f"{phrase} {value}", *parts, settings)
        return
    if not origins:
        if is_unknown(value):
            raise unverifiable(value, path)
        yield (f"'{source.name}' ({source.type}) {phrase} {value!r:.80} (`{path}`), which this stack does not "
               "create, so its region and account cannot be verified; create the destination in the zone's stack "
               "or name it by an ARN that carries its region and account")
        return
    own = zone_account(settings)
    for origin in origins:
        region = region_of(origin)
        if region is None:
            yield (f"'{source.name}' ({source.type}) {phrase} '{origin.name}', whose region is not set, so residency "
                   "cannot be verified")
        yield from _outside(source, f"{phrase} '{origin.name}'", region or "", provider_account(origin) or own or "",
                           settings)


def account_problems(source: ResourceView, path: str, value: object, phrase: str,
                     settings: Settings | None = None) -> Iterator[str]:
    """Why an account id or principal ARN at `path` is not of the zone's account (`phrase`: "grants the key to")."""
    if is_unknown(value):
        raise unverifiable(value, path)
    if not isinstance(value, str) or not value:
        return
    account = value if _ACCOUNT.match(value) else (arn_parts(value) or ("", ""))[1]
    if not account:
        yield (f"'{source.name}' ({source.type}) {phrase} {value!r:.80} (`{path}`), which names no account: name "
               "principals of the zone's account by ARN")
        return
    yield from _outside(source, f"{phrase} {value}", "", account, settings or source.settings)


def findings_per_source(sources: Iterable[ResourceView], problems: Callable[[ResourceView], Iterable[str]],
                        decided: str) -> Iterator[tuple[str, str]]:
    """Each boundary problem of each source as a stack finding on it; an unknown its judgement met is
    reported on that source, naming the path and what it leaves undecided (`decided`)."""
    for source in sources:
        try:
            for problem in problems(source):
                yield source.urn, problem + "."
        except Unverifiable as missing:
            yield source.urn, (f"'{source.name}' ({source.type}): `{missing.path}` is unknown until deployment, so "
                               f"{decided} cannot be verified at preview. Give it a literal value.")
