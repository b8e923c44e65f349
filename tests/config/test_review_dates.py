"""Artifact review dates of the reference stacks expire on the clock, not on the calendar.

The suite runs on the date conftest.py pins (REGZONE_TODAY), so the reference stacks stay valid
whatever day CI runs; these tests move that clock to each stack's review dates and show the stack
validation's expired path: valid on the review date itself, refused the day after, naming the key."""
import datetime
import os
import subprocess  # nosec B404
import sys

import pytest
import yaml

from regzone.clock import TODAY_ENV, today
from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.paths import REPO_ROOT, STACKS_DIR

REFERENCE_STACKS = ["dev", "gdpr-eu", "hipaa", "pci"]


def _config(stack: str) -> dict:
    return yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]


def _review_dates(config: dict) -> dict[str, datetime.date]:
    """Config key -> review date of every artifact intake record."""
    return {f"regzone:zones[{z}].registry.artifacts[{a}].review_date": datetime.date.fromisoformat(str(artifact["review_date"]))
            for z, zone in enumerate(config["regzone:zones"])
            for a, artifact in enumerate((zone.get("registry") or {}).get("artifacts", []))}


def _problems(config: dict, stack: str) -> str:
    try:
        parse_stack_config(config, stack)
    except ConfigError as error:
        return str(error)
    return ""


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_reference_review_dates_are_valid_on_the_pinned_date(stack):
    dates = _review_dates(_config(stack))
    assert dates, f"{stack} has no artifact review date: this test would prove nothing"
    assert min(dates.values()) >= today()
    assert _problems(_config(stack), stack) == ""


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_reference_review_dates_expire_the_day_after(stack, monkeypatch):
    for key, review in _review_dates(_config(stack)).items():
        monkeypatch.setenv(TODAY_ENV, review.isoformat())
        assert f"{key} = " not in _problems(_config(stack), stack), f"{key} is refused on its own review date"
        monkeypatch.setenv(TODAY_ENV, (review + datetime.timedelta(days=1)).isoformat())
        assert f"{key} = '{review.isoformat()}': is in the past" in _problems(_config(stack), stack)


def test_the_cli_refuses_an_overdue_stack_before_registering_anything(tmp_path):
    """The pinned clock reaches the CLI's process, and the expired path is a config error (exit 2)."""
    (review,) = set(_review_dates(_config("dev")).values())
    env = {**os.environ, TODAY_ENV: (review + datetime.timedelta(days=1)).isoformat()}
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "preview", "--stack", "dev", "--output",
                           str(tmp_path / "out.txt")], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # nosec B603
    assert done.returncode == 2, done.stderr
    assert f"registry.artifacts[0].review_date = '{review.isoformat()}': is in the past" in done.stderr
