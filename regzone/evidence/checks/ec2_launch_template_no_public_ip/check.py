"""No network interface in the latest or default version asks for a public IP."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import template_versions as _versions


def judge(template, ctx):
    bad = [f"version {v['VersionNumber']} interface {i.get('DeviceIndex', 0)}" for v in _versions(template)
           for i in v.get("LaunchTemplateData", {}).get("NetworkInterfaces") or []
           if i.get("AssociatePublicIpAddress") is True]
    return failed("public IP requested: " + ", ".join(bad)) if bad else passed("no public IP requested")


def execute(ctx):
    return per_resource(ctx, "launch_templates", "launch_template", judge)
