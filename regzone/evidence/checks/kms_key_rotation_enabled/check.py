"""Rotation on every customer-managed symmetric key with AWS-generated material (the keys that can rotate)."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(key, ctx):
    if key.get("metadata").get("KeyManager") != "CUSTOMER" or "rotation" not in key.data:
        return None   # AWS-managed, asymmetric, HMAC, imported, or pending deletion: cannot rotate
    return passed("automatic rotation is enabled") if key.get("rotation") else failed("automatic rotation is disabled")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
