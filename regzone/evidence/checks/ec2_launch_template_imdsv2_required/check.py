"""HttpTokens=required in the latest and default versions (instances do not inherit it otherwise)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.rules import template_versions as _versions


def judge(template, ctx):
    bad = []
    for version in _versions(template):
        options = version.get("LaunchTemplateData", {}).get("MetadataOptions") or {}
        if options.get("HttpEndpoint") != "disabled" and options.get("HttpTokens") != "required":
            bad.append(f"version {version['VersionNumber']} HttpTokens={options.get('HttpTokens', 'optional')}")
    return failed("IMDSv2 not required: " + ", ".join(bad)) if bad else passed("IMDSv2 required in the latest and default versions")


def execute(ctx):
    return per_resource(ctx, "launch_templates", "launch_template", judge)
