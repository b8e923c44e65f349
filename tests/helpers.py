"""Helpers shared by tests."""
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from moto import mock_aws


def write_stack(directory: Path, stack: str, config: dict) -> Path:
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


@contextlib.contextmanager
def offline_aws(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[None]:
    """moto in decorator mode with dummy credentials, never a real profile or endpoint."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105
                        "AWS_DEFAULT_REGION": region}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def edited(text: str, sid: str, change) -> str:
    """A policy document (JSON text) with `change` applied to each statement whose Sid starts with `sid`."""
    document = json.loads(text)
    for statement in document["Statement"]:
        if statement["Sid"].startswith(sid):
            change(statement)
    return json.dumps(document, separators=(",", ":"))
