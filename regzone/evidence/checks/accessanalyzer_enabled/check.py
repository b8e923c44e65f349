"""An active IAM Access Analyzer for external access (type ACCOUNT or ORGANIZATION) in every scanned Region."""
from regzone.evidence.model import ApiError, Result, Status

EXTERNAL_ACCESS_TYPES = ("ACCOUNT", "ORGANIZATION")


def _judge(inventory) -> tuple[Status, str]:
    analyzers = inventory.fact("analyzers")
    active = [a for a in analyzers if a.get("type") in EXTERNAL_ACCESS_TYPES and a.get("status") == "ACTIVE"]
    if active:
        return Status.PASS, ", ".join(f"{a.get('name')} ({a.get('type')}) is active" for a in active)
    others = ", ".join(f"{a.get('name')} ({a.get('type')}, {a.get('status')})" for a in analyzers)
    return Status.FAIL, ("no active ACCOUNT or ORGANIZATION analyzer reports external access"
                         + (f"; found {others}" if others else ""))


def execute(ctx):
    for inventory in ctx.inventories("accessanalyzer"):
        try:
            status, message = _judge(inventory)
        except ApiError as error:
            status, message = Status.ERROR, str(error)
        yield Result(ctx.scope_id("accessanalyzer", inventory.region), inventory.region, status, message)
