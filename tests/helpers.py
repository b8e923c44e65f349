"""Helpers shared by tests."""
from pathlib import Path

import yaml


def write_stack(directory: Path, stack: str, config: dict) -> Path:
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path
