"""Every EBS mapping encrypted, or EBS encryption by default on in the region (which covers the
AMI's root volume too). A version with no mappings leaves the root volume to the AMI: FAIL."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import template_versions as _versions


def judge(template, ctx):
    if ctx.inventory("launch_templates", template.region).fact("ebs_encryption_by_default"):
        return passed("EBS encryption by default is on in the region")
    bad = []
    for version in _versions(template):
        mappings = [m for m in version.get("LaunchTemplateData", {}).get("BlockDeviceMappings") or [] if "Ebs" in m]
        if not mappings:
            bad.append(f"version {version['VersionNumber']} has no EBS mapping (root volume from the AMI, unencrypted by default)")
        bad += [f"version {version['VersionNumber']} {m.get('DeviceName')} unencrypted"
                for m in mappings if m["Ebs"].get("Encrypted") is not True]
    return failed("; ".join(bad)) if bad else passed("every EBS volume is encrypted in the latest and default versions")


def execute(ctx):
    return per_resource(ctx, "launch_templates", "launch_template", judge)
