"""First contact: the README says which Python the quick start needs (the one pyproject.toml and the
Makefile use), how to point make at another interpreter, and what the first run downloads; make
itself stops with that hint on another Python, before it installs anything."""
from __future__ import annotations

import re
import subprocess  # nosec B404
import tomllib

from regzone.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_quick_start_states_the_python_version_pyproject_and_make_use():
    requires = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    version = re.match(r">=(\d+\.\d+),", requires).group(1)
    default = re.search(r"^PYTHON \?= python(\S+)$", (REPO_ROOT / "Makefile").read_text(), re.M).group(1)
    assert version == default and f"**Python {version}** is required" in QUICK_START


def test_quick_start_says_how_to_use_another_interpreter_and_what_the_first_run_downloads():
    assert "make PYTHON=" in QUICK_START
    assert "downloads the pinned packages from PyPI" in QUICK_START and ".venv" in QUICK_START
    assert "No Pulumi" in QUICK_START or "no Pulumi" in QUICK_START


def test_make_on_another_python_stops_with_the_hint(tmp_path):
    venv = tmp_path / "venv"
    done = subprocess.run(["make", "-C", str(REPO_ROOT), "PYTHON=python-that-does-not-exist", f"VENV={venv}",
                           f"{venv}/bin/regzone"], capture_output=True, text=True, timeout=60)  # nosec B603 B607
    assert done.returncode != 0 and "make PYTHON=/path/to/python3.11" in done.stderr
    assert not venv.exists()
