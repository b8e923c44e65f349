"""Enhanced scanning rules override repository settings; under basic scanning a registry rule
or the repository's own scanOnPush counts."""
from fnmatch import fnmatchcase

from regzone.evidence.checks import failed, passed, per_resource

_ENHANCED_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")


def _matching_rule(config, name, frequencies):
    for rule in config.get("rules") or []:
        if rule.get("scanFrequency") in frequencies and any(
                f.get("filterType", "WILDCARD") == "WILDCARD" and fnmatchcase(name, f.get("filter", ""))
                for f in rule.get("repositoryFilters") or []):
            return rule
    return None


def judge(repo, ctx):
    config = ctx.inventory("ecr", repo.region).fact("scanning")
    name = repo.get("repositoryName")
    if config.get("scanType") == "ENHANCED":
        rule = _matching_rule(config, name, _ENHANCED_FREQUENCIES)
        return (passed(f"enhanced scanning, {rule['scanFrequency']}") if rule
                else failed("enhanced scanning has no rule matching this repository"))
    if _matching_rule(config, name, ("SCAN_ON_PUSH",)) or (repo.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        return passed("basic scanning on push")
    return failed("images are not scanned on push")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
