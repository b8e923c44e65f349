"""`--format table`: what a platform engineer reads in a terminal."""
from __future__ import annotations

from collections import defaultdict

from regzone.preview.run import PreviewResult


def _component_of(result: PreviewResult) -> dict[str, str]:
    """URN -> name of the nearest component (non-custom) ancestor, or the stack."""
    by_urn = result.recording.by_urn()
    names: dict[str, str] = {}
    for r in result.recording.resources:
        parent = by_urn.get(r.parent)
        while parent is not None and parent.custom:
            parent = by_urn.get(parent.parent)
        names[r.urn] = f"{parent.type} {parent.name}" if parent else "(stack)"
    return names


def render(result: PreviewResult) -> str:
    lines = [f"Stack {result.stack}: {len(result.recording.resources)} resources", ""]
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    owners = _component_of(result)
    for r in result.recording.resources:
        groups[owners[r.urn]][r.type] += 1
    for owner in sorted(groups):
        lines.append(f"  {owner}")
        for type_token, count in sorted(groups[owner].items()):
            lines.append(f"      {count:4d}  {type_token}")
    lines.append("")
    if not result.violations:
        lines.append(f"Policy pack regulated-ai ({len(result.policies)} policies): no violations.")
    else:
        lines.append(f"Policy violations ({len(result.mandatory)} mandatory, "
                     f"{len(result.violations) - len(result.mandatory)} advisory):")
        for v in sorted(result.violations, key=lambda v: (v.enforcement != "mandatory", v.policy, v.urn)):
            where = f"{v.type} {v.name}" if v.type else "(stack)"
            lines.append(f"  [{v.enforcement}] {v.policy}  {where}")
            lines.append(f"      controls: {', '.join(v.controls) or '-'}")
            for text in v.message.splitlines():
                lines.append(f"      {text}")
    return "\n".join(lines) + "\n"
