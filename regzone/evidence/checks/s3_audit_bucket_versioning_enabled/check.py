"""Audit buckets (the same ones the Object Lock check judges) keep every version: WORM evidence is
versioned. Versioning of other buckets proves nothing about audit evidence and is not judged here."""
from regzone.evidence.checks import failed, passed, per_audit_bucket


def judge(bucket, sources, ctx):
    status = bucket.get("versioning")
    why = f"audit bucket ({', '.join(sources)})"
    return passed(f"{why}: versioning is Enabled") if status == "Enabled" else failed(f"{why}: versioning is {status}")


def execute(ctx):
    return per_audit_bucket(ctx, judge)
