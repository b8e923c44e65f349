"""`regzone preview`: exit codes and the JSON shape other tools build on."""
import json
import subprocess  # nosec B404
import sys

import pytest

from regzone.paths import REPO_ROOT
from tests.helpers import write_stack

NON_ROTATING_PROGRAM = '''
import pulumi, pulumi_aws as aws
aws.kms.Key("no-rotation", enable_key_rotation=False, deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(protect=True))
'''


def regzone(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "regzone.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)  # nosec B603


@pytest.mark.slow
def test_dev_preview_json_shape_and_exit_0(tmp_path):
    out = tmp_path / "preview.json"
    done = regzone("preview", "--stack", "dev", "--format", "json", "--output", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert {"resources", "violations"} <= set(report)
    key = next(r for r in report["resources"] if r["type"] == "aws:kms/key:Key")
    assert set(key) >= {"urn", "type", "name", "parent", "inputs", "options"}
    assert key["inputs"]["enableKeyRotation"] is True
    assert key["options"] == {"protect": True, "retainOnDelete": True, "provider": key["options"]["provider"]}
    assert [v for v in report["violations"] if v["enforcement"] == "mandatory"] == []


@pytest.mark.slow
def test_mandatory_violation_exits_1_with_controls(tmp_path, dev_config):
    (tmp_path / "__main__.py").write_text(NON_ROTATING_PROGRAM)
    write_stack(tmp_path, "broken", dev_config)
    done = regzone("preview", "--stack", "broken", "--program", str(tmp_path), "--format", "json")
    assert done.returncode == 1, done.stderr
    violations = json.loads(done.stdout)["violations"]
    rotation = [v for v in violations if v["policy"] == "kms-key-rotation-enabled"]
    assert rotation and rotation[0]["controls"] == ["RAZ-KMS-001"]
    assert rotation[0]["type"] == "aws:kms/key:Key" and rotation[0]["urn"].endswith("::no-rotation")
    assert set(rotation[0]) >= {"policy", "enforcement", "urn", "type", "message", "controls"}


@pytest.mark.slow
def test_table_lists_violation(tmp_path, dev_config):
    (tmp_path / "__main__.py").write_text(NON_ROTATING_PROGRAM)
    write_stack(tmp_path, "broken", dev_config)
    done = regzone("preview", "--stack", "broken", "--program", str(tmp_path))
    assert done.returncode == 1
    assert "[mandatory] kms-key-rotation-enabled" in done.stdout and "RAZ-KMS-001" in done.stdout


def test_config_error_exits_2_naming_the_key(tmp_path, dev_config):
    dev_config["regzone:zones"][0]["vpc_cidr"] = "10.40.0.0/28"
    write_stack(tmp_path, "bad", dev_config)
    (tmp_path / "__main__.py").write_text("raise SystemExit('must not run')\n")
    done = regzone("preview", "--stack", "bad", "--program", str(tmp_path))
    assert done.returncode == 2
    assert "regzone:zones[0].vpc_cidr = '10.40.0.0/28'" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_stack_exits_2():
    done = regzone("preview", "--stack", "nope")
    assert done.returncode == 2 and "stack file not found" in done.stderr


def test_usage_error_exits_2():
    done = regzone("preview")
    assert done.returncode == 2 and "--stack" in done.stderr
