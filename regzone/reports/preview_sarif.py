"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning.

One rule per pack policy (the rule id is the policy name, so alerts stay attached to it across
runs); each result points at the line of the program or component that created the resource and
carries a partial fingerprint derived from policy and URN, so that GitHub tracks one alert per
resource and policy instead of opening a new one on every push.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from regzone import version
from regzone.catalog import Control, load_catalog
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.analyzer import PolicyInfo
from regzone.preview.recorder import PROJECT
from regzone.preview.run import PreviewResult, Violation, stack_file

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "regzonePolicyUrn/v1"
SRCROOT = "%SRCROOT%"
_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
# GitHub buckets security-severity as critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
_SECURITY_SEVERITY = {4: "9.5", 3: "8.0", 2: "5.5", 1: "3.0", 0: "5.5"}
_MAX_TAGS = 10
_SEVERITY_NAMES = {4: "critical", 3: "high", 2: "medium", 1: "low", 0: "unspecified"}


def docs_base_url(env: Mapping[str, str] = os.environ) -> str | None:
    """Absolute base for repository-relative docs links: the commit being checked on GitHub Actions.

    SARIF requires absolute URIs for `helpUri`; outside GitHub Actions there is none to give, and
    the help text still names the docs path.
    """
    server, repository, sha = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repository and sha:
        return f"{server.rstrip('/')}/{repository}/blob/{sha}/"
    return None


def _controls(policy: PolicyInfo) -> list[Control]:
    catalog = load_catalog()
    known = {c.id: c for c in catalog.controls}
    return [known[c] for c in policy.controls if c in known]


def _requirements(control: Control) -> str:
    return "; ".join(f"{fw} {', '.join(reqs)}" for fw, reqs in control.requirements.items())


def _tags(policy: PolicyInfo, controls: list[Control]) -> list[str]:
    frameworks = sorted({fw for c in controls for fw in c.requirements})
    return ["security", "compliance", *policy.controls, *frameworks][:_MAX_TAGS]


def _rule(policy: PolicyInfo, docs_base: str | None) -> dict[str, Any]:
    controls = _controls(policy)
    control_lines = [f"{c.id} {c.title} ({_requirements(c)})" for c in controls]
    docs = f"{docs_base}{policy.url}" if docs_base and policy.url else policy.url
    text = "\n".join([policy.description, "", "Controls:", *(f"- {line}" for line in control_lines),
                      "", "Remediation:", policy.remediation, *(["", f"Documentation: {docs}"] if docs else [])])
    markdown = "\n".join([
        policy.description, "", "**Controls**", "",
        *(f"- [{c.id}]({docs_base}{load_catalog().docs_link(c.id)}) {c.title} ({_requirements(c)})"
          if docs_base else f"- {c.id} {c.title} ({_requirements(c)})" for c in controls),
        "", "**Remediation**", "", *(f"- {step}" for step in policy.remediation.splitlines())])
    rule: dict[str, Any] = {
        "id": policy.name,
        "name": "".join(part.capitalize() for part in policy.name.split("-")),
        "shortDescription": {"text": policy.description},
        "fullDescription": {"text": " ".join([policy.description, *(f"{c.id}: {c.description}" for c in controls)])},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS.get(policy.enforcement, "warning")},
        "properties": {
            # GitHub rejects more than 20 tags per rule and shows 10: requirement refs go in `requirements`.
            "tags": _tags(policy, controls),
            "controls": policy.controls,
            "requirements": sorted(tag for tag in policy.tags if not tag.startswith("control:")),
            "severity": _SEVERITY_NAMES.get(policy.severity, "unspecified"),
            "security-severity": _SECURITY_SEVERITY.get(policy.severity, "5.5"),
            "precision": "very-high",
            "problem.severity": "error" if policy.enforcement in ("mandatory", "remediate") else "warning",
        },
    }
    if docs_base and policy.url:
        rule["helpUri"] = docs
    return rule


def _stack_urn(stack: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"


def _stack_file_uri(stack: str, stacks_dir: Path) -> str:
    path = stack_file(stack, stacks_dir).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def fingerprint(policy: str, urn: str, occurrence: int = 0) -> str:
    """Stable across runs: the same policy on the same resource is the same alert."""
    key = f"{policy}\0{urn}" if occurrence == 0 else f"{policy}\0{urn}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _result(v: Violation, urn: str, occurrence: int, rule_index: int, fallback_uri: str) -> dict[str, Any]:
    if v.source is not None:
        uri, line = v.source.path, v.source.line
    else:  # stack-wide findings and resources created outside the repository: the stack's config
        uri, line = fallback_uri, 1
    return {
        "ruleId": v.policy,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(v.enforcement, "warning"),
        "message": {"text": v.message},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                                 "region": {"startLine": line}},
            "logicalLocations": [{"fullyQualifiedName": urn, "kind": "resource",
                                  **({"name": v.name} if v.name else {})}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(v.policy, urn, occurrence)},
        "properties": {"urn": urn, "resourceType": v.type, "enforcement": v.enforcement,
                       "controls": v.controls, "severity": v.severity},
    }


def as_dict(result: PreviewResult, *, docs_base: str | None = None,
            stacks_dir: Path = STACKS_DIR) -> dict[str, Any]:
    """The SARIF log. `docs_base`: absolute prefix for docs links; None reads it from GitHub Actions'
    environment, "" gives none. `stacks_dir`: where stack-wide findings are located."""
    docs_base = docs_base if docs_base is not None else docs_base_url()
    policies = list(result.policies)
    names = {p.name for p in policies}
    # A diagnostic from a policy the pack did not list still needs a rule, or the result is dropped.
    for v in result.violations:
        if v.policy not in names:
            names.add(v.policy)
            policies.append(PolicyInfo(name=v.policy, description=f"Policy {v.policy}.", enforcement=v.enforcement,
                                       tags=[f"control:{c}" for c in v.controls], url="", remediation="",
                                       severity=0))
    index = {p.name: i for i, p in enumerate(policies)}
    fallback_uri = _stack_file_uri(result.stack, stacks_dir)
    seen: Counter[tuple[str, str]] = Counter()
    results = []
    for v in result.violations:
        urn = v.urn or _stack_urn(result.stack)
        results.append(_result(v, urn, seen[(v.policy, urn)], index[v.policy], fallback_uri))
        seen[(v.policy, urn)] += 1
    driver: dict[str, Any] = {
        "name": "regzone",
        "fullName": "regzone preview (regulated-ai policy pack)",
        "version": version(),
        "semanticVersion": version(),
        # SARIF wants an absolute URI: the README at the commit on GitHub Actions, else the local copy.
        "informationUri": f"{docs_base}README.md" if docs_base else (REPO_ROOT / "README.md").as_uri(),
        "rules": [_rule(p, docs_base) for p in policies],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": f"regzone-preview/{result.stack}/"},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root."}}},
            "results": results,
            "properties": {"stack": result.stack, "resources": len(result.recording.resources)},
        }],
    }


def render(result: PreviewResult, *, stacks_dir: Path = STACKS_DIR) -> str:
    return json.dumps(as_dict(result, stacks_dir=stacks_dir), indent=2) + "\n"
