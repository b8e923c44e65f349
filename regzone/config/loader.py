"""Reads `regzone:*` keys from a stack file or from the running Pulumi program's config."""
from __future__ import annotations

import difflib
import importlib.util
import json
import pkgutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from regzone.config.errors import ConfigError, format_validation_error
from regzone.config.model import StackConfig

CONFIG_NAMESPACE = "regzone"
# The engine's own keys (pulumi:tags, pulumi:disable-default-providers, ...).
ENGINE_NAMESPACE = "pulumi"


@lru_cache(maxsize=1)
def provider_namespaces() -> frozenset[str]:
    """Config namespaces of the installed provider SDKs: each `pulumi_*` package of a resource
    provider ships a `pulumi-plugin.json` naming its plugin (pulumi_aws -> "aws"), which is also
    the namespace of its config keys. Read without importing the (large) SDKs."""
    names = set()
    for module in pkgutil.iter_modules():
        if not module.name.startswith("pulumi_"):
            continue
        spec = importlib.util.find_spec(module.name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            plugin = Path(location) / "pulumi-plugin.json"
            if plugin.is_file():
                info = json.loads(plugin.read_text(encoding="utf-8"))
                if info.get("resource") and info.get("name"):
                    names.add(info["name"])
    return frozenset(names)


def _unread_keys(config: dict[str, Any]) -> list[str]:
    """Keys no one reads: a namespace that is neither this project's, the engine's nor an installed
    provider's (a typo such as `regzon:frameworks` would silently drop the setting)."""
    known = sorted({CONFIG_NAMESPACE, ENGINE_NAMESPACE, *provider_namespaces()})
    problems = []
    for key in config:
        namespace, colon, name = str(key).partition(":")
        if not colon:
            problems.append(f"{key}: config keys need a namespace; valid: {CONFIG_NAMESPACE}:{key}")
        elif namespace not in known:
            near = difflib.get_close_matches(namespace.lower(), known, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}:{name}?" if near else f"known namespaces: {', '.join(known)}"
            problems.append(f"{key}: unknown config namespace {namespace!r}, so nothing reads this key; {hint}")
    return problems


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
    unread = _unread_keys(config)
    if unread:
        body = "\n".join(f"  - {line}" for line in unread)
        raise ConfigError(f"invalid stack config in {source} ({len(unread)} problem{'s' if len(unread) > 1 else ''}):"
                          f"\n{body}")
    prefix = f"{CONFIG_NAMESPACE}:"
    raw = {key[len(prefix):]: decode_config_value(value) for key, value in config.items() if key.startswith(prefix)}
    if "region" not in raw and config.get("aws:region"):
        raw["region"] = decode_config_value(config["aws:region"])
    try:
        return StackConfig.model_validate(raw)
    except ValidationError as err:
        raise format_validation_error(err, raw, CONFIG_NAMESPACE, source, StackConfig) from None


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a `Pulumi.<stack>.yaml`, with a clear error when it is missing or malformed."""
    if not path.is_file():
        stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in path.parent.glob("Pulumi.*.yaml"))
        raise ConfigError(f"stack file not found: {path}; stacks in {path.parent}: {', '.join(stacks) or 'none'}")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    example = "see stacks/Pulumi.dev.yaml and docs/configuration.md"
    if document is None:
        raise ConfigError(f"{path}: the file is empty; a stack file holds a top-level `config:` mapping of "
                          f"regzone:* keys ({example})")
    if not isinstance(document, dict) or "config" not in document:
        raise ConfigError(f"{path}: no top-level `config:` mapping ({example})")
    config = document["config"]
    if config is None or config == {}:
        raise ConfigError(f"{path}: `config:` is empty; set the regzone:* keys ({example})")
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: `config:` must map keys to values, not {type(config).__name__} ({example})")
    return config


def load_stack_file(path: Path) -> StackConfig:
    return parse_stack_config(read_stack_file(path), str(path))
