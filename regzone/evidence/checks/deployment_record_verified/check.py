"""Each deployment record given with --record verifies: per-field digests, signature by the zone's
record-signing key, COMPLIANCE lock for the zone's audit retention (regzone/record/store.py)."""
from regzone.evidence.collectors import GLOBAL
from regzone.evidence.model import Result, Status


def execute(ctx):
    for record in ctx.records:
        if record.document is None:
            yield Result(record.uri, GLOBAL, Status.ERROR, f"the record cannot be read: {'; '.join(record.problems)}")
        elif record.problems:
            yield Result(record.uri, GLOBAL, Status.FAIL, "the record does not verify: " + "; ".join(record.problems))
        else:
            facet = record.facet("regzone_record")
            yield Result(record.uri, GLOBAL, Status.PASS,
                         f"verified: signed by {facet.get('signingKey')}, COMPLIANCE lock for "
                         f"{facet.get('retentionDays')} days, every field matches its digest")
