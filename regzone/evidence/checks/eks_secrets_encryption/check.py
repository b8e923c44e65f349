"""An encryptionConfig entry for `secrets` with a customer-managed KMS key."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import customer_key_problem


def judge(cluster, ctx):
    for config in cluster.get("cluster").get("encryptionConfig") or []:
        key = (config.get("provider") or {}).get("keyArn")
        if "secrets" in (config.get("resources") or []) and key:
            problem = customer_key_problem(ctx, cluster.region, key, "secrets encryption")
            return failed(problem) if problem else passed(f"secrets are encrypted with customer-managed key {key}")
    return failed("secrets are not envelope-encrypted with a KMS key")


def execute(ctx):
    return per_resource(ctx, "eks", "cluster", judge)
