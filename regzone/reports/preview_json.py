"""`--format json`: the stable machine-readable shape other tools and reviewers build on."""
from __future__ import annotations

import json

from regzone.preview.run import PreviewResult


def as_dict(result: PreviewResult) -> dict:
    controls = {p.name: p.controls for p in result.policies}
    return {
        "stack": result.stack,
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "inputs": r.inputs,
             "options": {"protect": r.protect, "retainOnDelete": r.retain_on_delete, "provider": r.provider},
             "source": {"path": r.source.path, "line": r.source.line} if r.source else None}
            for r in result.recording.resources],
        "violations": [
            {"policy": v.policy, "enforcement": v.enforcement, "urn": v.urn, "type": v.type,
             "message": v.message, "controls": v.controls, "severity": v.severity}
            for v in result.violations],
        # Per policy: resources judged and passed (regzone/preview/tally.py says how they are derived).
        "policies": [
            {"policy": t.policy, "enforcement": t.enforcement, "scope": t.scope, "evaluated": t.evaluated,
             "passed": t.passed, "failed": t.failed, "violations": t.violations,
             "controls": controls.get(t.policy, [])}
            for t in result.tallies],
        "summary": {"resources": len(result.recording.resources), "violations": len(result.violations),
                    "mandatory": len(result.mandatory)},
    }


def render(result: PreviewResult) -> str:
    return json.dumps(as_dict(result), indent=2, sort_keys=False) + "\n"
