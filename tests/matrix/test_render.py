"""Every format carries one row per control with frameworks, implementations and coverage."""
import csv
import dataclasses
import io
import json
import re

from regzone.matrix.render import controls_doc, csv_text, html_text, json_text, markdown


def test_markdown_has_one_linked_row_per_control(real_matrix):
    catalog, rows = real_matrix
    text = markdown(catalog, rows)
    table = [line for line in text.splitlines() if line.startswith("| [RAZ-")]
    assert [re.match(r"\| \[(RAZ-[A-Z0-9]+-\d{3})\]", line).group(1) for line in table] == \
        [c.id for c in catalog.controls]
    header = next(line for line in text.splitlines() if line.startswith("| control |"))
    assert "| SOX 2002 | HIPAA 2013 | PCI DSS 4.0 | GDPR 2016/679 |" in header
    kms1 = next(line for line in table if line.startswith("| [RAZ-KMS-001]"))
    assert "(controls.md#raz-kms-001)" in kms1 and "164.312(a)(2)(iv)" in kms1 and "3.7.4" in kms1
    assert "`kms-key-rotation-enabled`" in kms1 and "policy ✅" in kms1


def test_csv_and_json_agree_with_the_rows(real_matrix):
    catalog, rows = real_matrix
    records = list(csv.DictReader(io.StringIO(csv_text(catalog, rows))))
    assert [r["control"] for r in records] == [c.id for c in catalog.controls]
    at = [r["control"] for r in records].index("RAZ-KMS-001")
    kms1 = records[at]
    assert kms1["HIPAA"] == "164.312(a)(2)(iv);164.312(e)(2)(ii)"
    assert kms1["policies"] == "kms-key-rotation-enabled" and kms1["policies_tested"] == "yes"
    assert kms1["component"] == "components.zone_keys.ZoneKeys"
    document = json.loads(json_text(catalog, rows))["controls"]
    assert [d["id"] for d in document] == [c.id for c in catalog.controls]
    assert document[at]["requirements"]["PCI-DSS"] == ["3.6.1", "3.7.4"]
    assert {"policypacks/regulated-ai/tests/test_kms.py",
            "policypacks/regulated-ai/tests/test_kms_siblings.py"} <= set(document[at]["policies"][0]["tests"])
    assert all(d["status"] == row.status and d["gaps"] == row.gaps() for d, row in zip(document, rows))


def test_html_is_escaped_and_complete(real_matrix):
    catalog, rows = real_matrix
    text = html_text(catalog, rows)
    assert text.count("<tr class=") == len(rows)
    assert 'href="controls.md#raz-kms-001"' in text
    hostile = dataclasses.replace(rows[0], control=rows[0].control.model_copy(
        update={"title": "<script>alert(1)</script>"}))
    text = html_text(catalog, [hostile])
    assert "&lt;script&gt;" in text and "<script>" not in text


def test_controls_doc_anchor_for_every_docs_link(real_matrix):
    """Policies emit `docs/controls.md#raz-...`; each must land on a section of that file."""
    catalog, rows = real_matrix
    text = controls_doc(catalog, rows)
    headings = {line[3:].strip().lower() for line in text.splitlines() if line.startswith("## ")}
    for c in catalog.controls:
        path, anchor = catalog.docs_link(c.id).split("#")
        assert path == "docs/controls.md" and anchor in headings, c.id
        section = text[text.index(f"## {c.id}\n"):]
        assert c.remediation.strip()[:40] in section
