"""Rotation on every customer-managed symmetric key with AWS-generated material (the keys that can
rotate); every other key is listed in the report as not judged, with why (AWS KMS Developer Guide,
"Rotate AWS KMS keys": automatic rotation covers symmetric encryption keys with key material KMS
generated, in the AWS KMS key store; AWS rotates AWS-managed keys itself every year)."""
from regzone.evidence.checks import failed, not_judged, passed, per_resource

_ROTATABLE_STATES = ("Enabled", "Disabled")


def _why_not(meta: dict) -> str | None:
    if meta.get("KeyManager") != "CUSTOMER":
        return "AWS-managed key: AWS rotates it every year and the account cannot change that"
    if meta.get("KeyState") not in _ROTATABLE_STATES:
        return f"key state {meta.get('KeyState')}: only enabled or disabled keys have a rotation setting"
    if meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return f"{meta.get('KeySpec')} key: automatic rotation covers symmetric encryption keys only"
    if meta.get("Origin", "AWS_KMS") == "EXTERNAL":
        return "imported key material: it cannot rotate automatically (rotate it by hand)"
    if meta.get("Origin", "AWS_KMS") != "AWS_KMS":
        return f"{meta.get('Origin')} key store: automatic rotation is not supported"
    return None


def judge(key, ctx):
    reason = _why_not(key.get("metadata"))
    if reason:
        return not_judged(reason)
    return passed("automatic rotation is enabled") if key.get("rotation") else failed("automatic rotation is disabled")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
