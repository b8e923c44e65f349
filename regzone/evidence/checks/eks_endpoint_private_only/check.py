"""Private means endpointPublicAccess false: a public endpoint with restricted CIDRs still fails."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(cluster, ctx):
    config = cluster.get("cluster").get("resourcesVpcConfig") or {}
    if config.get("endpointPublicAccess", True):
        cidrs = config.get("publicAccessCidrs") or ["0.0.0.0/0"]
        return failed(f"public endpoint enabled (CIDRs {', '.join(cidrs)}); restricted CIDRs are not private")
    if not config.get("endpointPrivateAccess"):
        return failed("private endpoint access is disabled")
    return passed("endpoint is private only")


def execute(ctx):
    return per_resource(ctx, "eks", "cluster", judge)
