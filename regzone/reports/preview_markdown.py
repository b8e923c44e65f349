"""`--format markdown`: the pull-request comment a reviewer reads before approving a change.

The first line is a hidden marker naming the stack, so that CI can update its own comment instead of
adding a new one on every push.
"""
from __future__ import annotations

from collections import Counter

from regzone.catalog import load_catalog
from regzone.preview.run import PreviewResult, Violation
from regzone.reports.preview_sarif import docs_base_url

# GitHub refuses comments over 65,536 characters; a table this long is read in code scanning instead.
MAX_ROWS = 50


def marker(stack: str) -> str:
    return f"<!-- regzone-preview:{stack} -->"


def _cell(text: str) -> str:
    """One table cell: pipes escaped, line breaks kept as <br>, nothing that can close the table."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").strip().replace("\n", "<br>")


def _controls(v: Violation, docs_base: str | None) -> str:
    if not v.controls:
        return "-"
    if not docs_base:  # a relative link would not resolve in a PR comment
        return ", ".join(v.controls)
    catalog = load_catalog()
    return ", ".join(f"[{c}]({docs_base}{catalog.docs_link(c)})" for c in v.controls)


def _resource(v: Violation) -> str:
    if not v.type:
        return "(stack)"
    where = f" ({v.source.path}:{v.source.line})" if v.source is not None else ""
    return f"`{v.name}` `{v.type}`{where}"


def _violation_table(violations: list[Violation], docs_base: str | None) -> list[str]:
    lines = ["| policy | resource | controls | message |", "|---|---|---|---|"]
    ordered = sorted(violations, key=lambda v: (v.policy, v.urn))
    for v in ordered[:MAX_ROWS]:
        lines.append(f"| `{v.policy}` | {_cell(_resource(v))} | {_controls(v, docs_base)} | {_cell(v.message)} |")
    if len(ordered) > MAX_ROWS:
        lines += ["", f"... and {len(ordered) - MAX_ROWS} more: see the code scanning alerts or the job log."]
    return lines


def render(result: PreviewResult, *, docs_base: str | None = None) -> str:
    docs_base = docs_base if docs_base is not None else docs_base_url()
    mandatory = result.mandatory
    blocking = {id(v) for v in mandatory}
    advisory = [v for v in result.violations if id(v) not in blocking]
    resources = result.recording.resources
    status = (f":x: **{len(mandatory)} mandatory violation{'s' if len(mandatory) != 1 else ''}**: "
              "this change would be blocked by `pulumi preview --policy-pack policypacks/regulated-ai`."
              if mandatory else ":white_check_mark: **No mandatory violations.**")
    lines = [
        marker(result.stack),
        f"## Compliance preview: stack `{result.stack}`",
        "",
        status,
        "",
        "| resources | policies | mandatory violations | advisory findings |",
        "|---:|---:|---:|---:|",
        f"| {len(resources)} | {len(result.policies)} | {len(mandatory)} | {len(advisory)} |",
        "",
    ]
    if mandatory:
        lines += ["### Mandatory violations", "", *_violation_table(mandatory, docs_base), ""]
    if advisory:
        lines += ["<details><summary>Advisory findings (" + str(len(advisory)) + ")</summary>", "",
                  *_violation_table(advisory, docs_base), "", "</details>", ""]
    counts = Counter(r.type for r in resources)
    lines += [f"<details><summary>Resource inventory ({len(resources)})</summary>", "",
              "| type | count |", "|---|---:|",
              *(f"| `{type_token}` | {count} |" for type_token, count in sorted(counts.items())),
              "", "</details>", ""]
    return "\n".join(lines)
