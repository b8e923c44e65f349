"""Reads `regzone:*` keys from a stack file or from the running Pulumi program's config."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from regzone.config.errors import ConfigError, format_validation_error
from regzone.config.model import StackConfig

CONFIG_NAMESPACE = "regzone"


def decode_config_value(value: Any) -> Any:
    """The CLI hands structured config to programs as JSON strings; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_stack_config(config: dict[str, Any], source: str) -> StackConfig:
    """Validate namespaced config (`{"regzone:zones": [...], "aws:region": "..."}`)."""
    prefix = f"{CONFIG_NAMESPACE}:"
    raw = {key[len(prefix):]: decode_config_value(value) for key, value in config.items() if key.startswith(prefix)}
    if "region" not in raw and config.get("aws:region"):
        raw["region"] = decode_config_value(config["aws:region"])
    try:
        return StackConfig.model_validate(raw)
    except ValidationError as err:
        raise format_validation_error(err, raw, CONFIG_NAMESPACE, source) from None


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a `Pulumi.<stack>.yaml`, with a clear error when it is missing or malformed."""
    if not path.is_file():
        raise ConfigError(f"stack file not found: {path}")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    config = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a top-level `config:` mapping")
    return config


def load_stack_file(path: Path) -> StackConfig:
    return parse_stack_config(read_stack_file(path), str(path))
