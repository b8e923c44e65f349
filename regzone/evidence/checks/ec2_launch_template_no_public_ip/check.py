"""No network interface in the latest or default version asks for a public IP."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import absent_means
from regzone.evidence.rules import template_versions as _versions


# Both optional in LaunchTemplateData (EC2 API Reference, ResponseLaunchTemplateData and
# LaunchTemplateInstanceNetworkInterfaceSpecification): without them the instance takes its subnet's
# MapPublicIpOnLaunch, which the template does not set.
_NO_INTERFACES = "no network interface of its own: the subnet's setting applies"
_UNSET = "not set: the subnet's setting applies"


def judge(template, ctx):
    bad = [f"version {v['VersionNumber']} interface {absent_means(i, 'DeviceIndex', 0, 'the first interface')}"
           for v in _versions(template)
           for i in absent_means(v["LaunchTemplateData"], "NetworkInterfaces", [], _NO_INTERFACES) or []
           if absent_means(i, "AssociatePublicIpAddress", None, _UNSET) is True]
    return failed("public IP requested: " + ", ".join(bad)) if bad else passed("no public IP requested")


def execute(ctx):
    return per_resource(ctx, "launch_templates", "launch_template", judge)
