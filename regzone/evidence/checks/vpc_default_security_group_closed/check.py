"""The default security group of every VPC allows nothing in and nothing out."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(group, ctx):
    ingress, egress = group.get("IpPermissions") or [], group.get("IpPermissionsEgress") or []
    if ingress or egress:
        return failed(f"default security group of {group.get('VpcId')} has {len(ingress)} ingress and {len(egress)} egress rules")
    return passed("default security group has no rules")


def execute(ctx):
    return per_resource(ctx, "vpc", "default_security_group", judge)
