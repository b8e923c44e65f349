"""An ACTIVE flow log with TrafficType ALL (ACCEPT- or REJECT-only logs miss half the record)."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(vpc, ctx):
    logs = [f for f in ctx.inventory("vpc", vpc.region).fact("flow_logs") if f.get("ResourceId") == vpc.get("VpcId")]
    good = [f for f in logs if f.get("FlowLogStatus") == "ACTIVE" and f.get("TrafficType") == "ALL"]
    if good:
        return passed(f"flow log {good[0].get('FlowLogId')} records ALL traffic to {good[0].get('LogDestinationType')}")
    if logs:
        return failed("flow logs exist but none is ACTIVE with TrafficType ALL: "
                      + ", ".join(f"{f.get('FlowLogId')} ({f.get('TrafficType')}, {f.get('FlowLogStatus')})" for f in logs))
    return failed("no flow log")


def execute(ctx):
    return per_resource(ctx, "vpc", "vpc", judge)
