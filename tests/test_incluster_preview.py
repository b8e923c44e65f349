"""The in-cluster program against the real zone program: the zone stack exports what the
in-cluster program reads, and `regzone preview --program incluster` answers the StackReference with
the recorded zone stack."""
import json
import subprocess  # nosec B404
import sys

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import record_program


@pytest.mark.slow
def test_zone_stack_exports_what_incluster_reads():
    outputs = record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml")).outputs
    assert {"name", "arn", "endpoint", "certificate_authority"} <= set(outputs["clusters"]["dev-ai"])
    assert outputs["zones"]["dev-ai"]["key_arns"]["data"].startswith("arn:aws:kms:")


@pytest.mark.slow
def test_regzone_preview_of_incluster_program(tmp_path):
    """`regzone preview --program incluster`: the zone stack is recorded first and answers the reference."""
    out = tmp_path / "incluster.json"
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "preview", "--program", "incluster", "--stack", "dev",
                           "--format", "json", "--output", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)  # nosec B603
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    namespace = next(r for r in report["resources"] if r["type"] == "kubernetes:core/v1:Namespace")
    assert namespace["urn"].startswith("urn:pulumi:dev::regzone-incluster::")
    assert [v for v in report["violations"] if v["enforcement"] == "mandatory"] == []
