"""All five control-plane log types enabled."""
from regzone.evidence.checks import failed, passed, per_resource

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def judge(cluster, ctx):
    enabled = {t for entry in (cluster.get("cluster").get("logging") or {}).get("clusterLogging") or []
               if entry.get("enabled") for t in entry.get("types") or []}
    missing = [t for t in LOG_TYPES if t not in enabled]
    return failed(f"control-plane log types off: {', '.join(missing)}") if missing else passed("all control-plane log types are on")


def execute(ctx):
    return per_resource(ctx, "eks", "cluster", judge)
