"""`regzone preview --format sarif|markdown` end to end, as the CI workflow runs it."""
import json
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import write_stack
from tests.reports.conftest import BROKEN_PROGRAM
from tests.test_cli_preview import regzone

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def broken_program(tmp_path, dev_config):
    (tmp_path / "__main__.py").write_text(BROKEN_PROGRAM)
    write_stack(tmp_path, "broken", dev_config)
    return tmp_path


@pytest.mark.slow
def test_sarif_to_stdout_exits_1_and_validates(broken_program):
    done = regzone("preview", "--stack", "broken", "--program", str(broken_program), "--format", "sarif")
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    results = document["runs"][0]["results"]
    assert {"kms-key-rotation-enabled", "kms-key-policy-separation"} <= {r["ruleId"] for r in results}
    # The program lives outside the repository: findings point at its stack file.
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == \
        {"Pulumi.broken.yaml"}


@pytest.mark.slow
def test_markdown_to_file(broken_program, tmp_path):
    out = tmp_path / "comment.md"
    done = regzone("preview", "--stack", "broken", "--program", str(broken_program), "--format", "markdown",
                   "--output", str(out))
    assert done.returncode == 1, done.stderr
    text = out.read_text()
    assert text.startswith("<!-- regzone-preview:broken -->") and "`kms-key-rotation-enabled`" in text
    assert "[mandatory] kms-key-rotation-enabled" in done.stderr  # the table still goes to the log
