"""Each zone's enclave key (alias `alias/<zone>/enclave`) lets the zone's workload roles decrypt only
from an attested Nitro enclave with the measurements the stack file configures
(zones[].enclave_attestation, `--stack`), and nobody without attestation: judged by what the live
key policy permits (regzone.attestation on regzone_core.policy), as the preview policy judges the
policy about to be set. A zone the stack file configures whose enclave key is missing fails."""
from regzone.attestation import attested_release_problems
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import ApiError, Result, Status

_SUFFIX = "/enclave"


def _enclave_zones(ctx) -> dict[str, str]:
    """Key id -> zone, from the `alias/<zone>/enclave` aliases of every scanned region."""
    zones = {}
    for inventory in ctx.inventories("kms"):
        for alias, key_id in inventory.fact("aliases").items():
            if alias.startswith("alias/") and alias.endswith(_SUFFIX) and key_id:
                zones[key_id] = alias[len("alias/"):-len(_SUFFIX)]
    return zones


def execute(ctx):
    try:
        zones = _enclave_zones(ctx)
    except ApiError as error:
        yield Result(ctx.scope_id("kms", ctx.regions[0]), ctx.regions[0], Status.ERROR,
                     f"cannot tell which keys are enclave keys: {error}")
        return
    seen: set[str] = set()

    def judge(key, ctx):
        zone = zones.get(key.id.rsplit("/", 1)[-1])
        if zone is None or key.get("metadata").get("KeyManager") != "CUSTOMER":
            return None
        seen.add(zone)
        expected = None if ctx.attestation is None else ctx.attestation.get(zone)
        problems = attested_release_problems(key.get("policy"), zone=zone, account=ctx.account,
                                             partition=ctx.partition,
                                             expected=expected[1] if expected is not None else None)
        if problems:
            return failed(f"enclave key of zone {zone}: " + "; ".join(problems))
        if ctx.attestation is None:
            return Status.ERROR, (f"enclave key of zone {zone} releases only under attestation, but the configured "
                                  "measurements are unknown: pass --stack with the zone's stack file")
        if expected is None:
            return failed(f"enclave key of zone {zone}, which the stack file configures no enclave_attestation for")
        return passed(f"enclave key of zone {zone} releases only to attested enclaves with the configured measurements")

    yield from per_resource(ctx, "kms", "key", judge)
    for zone, (region, _) in sorted((ctx.attestation or {}).items()):
        if zone not in seen and region in ctx.regions and ctx.zone in (None, zone):
            yield Result(ctx.scope_id("kms", region), region, Status.FAIL,
                         f"zone {zone} configures enclave_attestation but has no enclave key (alias/{zone}/enclave)")
