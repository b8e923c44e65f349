"""An encryptionConfig entry for `secrets` with a KMS key."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(cluster, ctx):
    for config in cluster.get("cluster").get("encryptionConfig") or []:
        key = (config.get("provider") or {}).get("keyArn")
        if "secrets" in (config.get("resources") or []) and key:
            return passed(f"secrets are encrypted with {key}")
    return failed("secrets are not envelope-encrypted with a KMS key")


def execute(ctx):
    return per_resource(ctx, "eks", "cluster", judge)
