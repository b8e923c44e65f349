"""Audit buckets (the same ones the Object Lock check judges) keep every version: WORM evidence is
versioned. Versioning of other buckets proves nothing about audit evidence and is not judged here."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import Result, Status
from regzone.evidence.rules import audit_destinations, audit_sources


def _judge(destinations):
    def judge(bucket, ctx):
        sources = audit_sources(bucket, destinations)
        if not sources:
            return None
        status = bucket.get("versioning")
        why = f"audit bucket ({', '.join(sources)})"
        return passed(f"{why}: versioning is Enabled") if status == "Enabled" else failed(f"{why}: versioning is {status}")
    return judge


def execute(ctx):
    destinations, unknown = audit_destinations(ctx)
    for region, error in unknown:
        yield Result(ctx.scope_id("s3", region), region, Status.ERROR,
                     f"cannot tell which buckets receive audit logs: {error}")
    yield from per_resource(ctx, "s3", "bucket", _judge(destinations))
