"""The VPC's DNS queries are logged: an ACTIVE Resolver query log association whose configuration
delivers to a CloudWatch Logs log group or an S3 bucket (a Firehose stream keeps nothing itself)."""
from regzone.evidence.checks import failed, passed, per_resource

_KEPT = (":logs:", ":s3:::")


def judge(vpc, ctx):
    dns = ctx.inventory("dns", vpc.region)
    associations = [a for a in dns.fact("query_log_associations") if a.get("ResourceId") == vpc.get("VpcId")]
    configs = {c.get("Id"): c for c in dns.fact("query_log_configs")}
    active = [a for a in associations if a.get("Status") == "ACTIVE"]
    if not active:
        states = ", ".join(f"{a.get('Id')} ({a.get('Status')})" for a in associations)
        return failed("no active Resolver query logging" + (f": {states}" if states else ""))
    destinations = [configs.get(a.get("ResolverQueryLogConfigId"), {}).get("DestinationArn", "") for a in active]
    kept = [d for d in destinations if any(k in d for k in _KEPT)]
    if not kept:
        return failed(f"queries are logged only to {', '.join(d or 'an unknown destination' for d in destinations)}, "
                      "which keeps no record itself; log to the zone's audit log group")
    return passed(f"DNS queries are logged to {', '.join(kept)}")


def execute(ctx):
    return per_resource(ctx, "vpc", "vpc", judge)
