"""`--output` that cannot be written is a usage error (exit 2) found before any work, in every subcommand."""
from __future__ import annotations

from pathlib import Path

import pytest

import regzone.cli
import regzone.evidence.command
from regzone.cli import main

COMMANDS = [["preview", "--stack", "dev"], ["pack-config", "--stack", "dev"], ["matrix"],
            ["evidence", "--region", "us-east-1"]]


@pytest.fixture
def no_work(monkeypatch):
    """Every subcommand's handler fails the test if it is reached."""
    def reached(args):
        raise AssertionError(f"{args.command} started its work despite an unwritable --output")
    for module, name in ((regzone.cli, "_preview"), (regzone.cli, "_pack_config"), (regzone.cli, "_matrix"),
                         (regzone.evidence.command, "run")):
        monkeypatch.setattr(module, name, reached)


def _targets(tmp_path):
    (tmp_path / "a-file").write_text("x")
    return {"missing folder": (tmp_path / "missing" / "report.json", "does not exist"),
            "a directory": (tmp_path, "is a directory"),
            "parent is a file": (tmp_path / "a-file" / "report.json", "is not a folder"),
            # sysfs refuses to create files, even for root (the tests run as root, where mode bits do not bind)
            "unwritable": (Path("/sys/regzone-report.json"), "cannot be written")}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("case", ["missing folder", "a directory", "parent is a file", "unwritable"])
def test_unwritable_output_exits_2_before_any_work(no_work, tmp_path, capsys, command, case):
    target, message = _targets(tmp_path)[case]
    assert main([*command, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"regzone {command[0]}: --output {target}: " in err and message in err


def test_writable_output_is_left_as_it_was(tmp_path):
    from regzone.cli import output_problem
    new, existing = tmp_path / "new.json", tmp_path / "old.json"
    existing.write_text("kept")
    assert output_problem(new) is None and not new.exists()
    assert output_problem(existing) is None and existing.read_text() == "kept"
