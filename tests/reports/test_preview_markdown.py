"""`--format markdown`: the PR comment: counts, a table of blocking violations, a collapsed inventory."""
import dataclasses
import re

from regzone.reports import preview_markdown
from tests.reports.conftest import BROKEN_PROGRAM, line_of


def render(result, docs_base=""):
    return preview_markdown.render(result, docs_base=docs_base)


def table_rows(text, header):
    lines = text.splitlines()
    start = lines.index(header) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row):
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


VIOLATIONS_HEADER = "| policy | resource | controls | message |"


def test_summary_counts_and_marker(broken_preview):
    result, _, _ = broken_preview
    text = render(result)
    assert text.splitlines()[0] == "<!-- regzone-preview:broken -->"
    assert "## Compliance preview: stack `broken`" in text
    assert f":x: **{len(result.mandatory)} mandatory violations**" in text
    counts = f"| {len(result.recording.resources)} | {len(result.policies)} | {len(result.mandatory)} | 0 |"
    assert counts in text


def test_mandatory_table_names_policy_resource_controls_message(broken_preview):
    result, _, _ = broken_preview
    rows = [cells(r) for r in table_rows(render(result), VIOLATIONS_HEADER)]
    assert len(rows) == len(result.mandatory)
    rotation = next(r for r in rows if r[0] == "`kms-key-rotation-enabled`")
    line = line_of(BROKEN_PROGRAM, 'aws.kms.Key("no-rotation"')
    assert rotation[1] == f"`no-rotation` `aws:kms/key:Key` (stacks/__main__.py:{line})"
    assert rotation[2] == "RAZ-KMS-001"
    assert "does not rotate" in rotation[3] and "\n" not in rotation[3]


def test_controls_link_to_docs_when_a_base_is_known(broken_preview):
    result, _, _ = broken_preview
    text = render(result, docs_base="https://github.com/example/regzone/blob/abc/")
    assert "[RAZ-KMS-001](https://github.com/example/regzone/blob/abc/docs/controls.md#raz-kms-001)" in text


def test_message_cannot_break_the_table(broken_preview):
    result, _, _ = broken_preview
    hostile = dataclasses.replace(result.mandatory[0], message="a | b\nc")
    rows = table_rows(render(dataclasses.replace(result, violations=[hostile])), VIOLATIONS_HEADER)
    (row,) = rows
    assert len(cells(row)) == 4
    assert cells(row)[3].endswith("a \\| b<br>c")


def test_compliant_stack_and_advisory_findings(broken_preview):
    result, _, _ = broken_preview
    clean = render(dataclasses.replace(result, violations=[]))
    assert ":white_check_mark: **No mandatory violations.**" in clean
    assert "### Mandatory violations" not in clean and "Advisory findings" not in clean
    advisory = dataclasses.replace(result.mandatory[0], enforcement="advisory")
    text = render(dataclasses.replace(result, violations=[advisory]))
    assert "No mandatory violations" in text
    assert "<details><summary>Advisory findings (1)</summary>" in text


def test_inventory_is_collapsed_and_counts_types(broken_preview):
    result, _, _ = broken_preview
    text = render(result)
    inventory = text[text.index(f"<details><summary>Resource inventory ({len(result.recording.resources)})"):]
    assert "</details>" in inventory
    assert "| `aws:kms/key:Key` | 2 |" in inventory


def test_long_tables_are_cut_to_fit_a_comment(broken_preview):
    result, _, _ = broken_preview
    many = [dataclasses.replace(result.mandatory[0], urn=f"urn:{i:03d}", message="x" * 400)
            for i in range(preview_markdown.MAX_ROWS + 7)]
    text = render(dataclasses.replace(result, violations=many))
    assert len(table_rows(text, VIOLATIONS_HEADER)) == preview_markdown.MAX_ROWS
    assert "... and 7 more: see the code scanning alerts or the job log." in text
    assert len(text) < 65536
