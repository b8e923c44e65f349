"""Turns schema errors into messages that name the config key, the bad value and what is valid."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ConfigError(Exception):
    """Stack config is invalid; the message is meant for the person who wrote the config."""


def key_path(namespace: str, loc: tuple[Any, ...]) -> str:
    """`("zones", 0, "key_users", 1)` -> `regzone:zones[0].key_users[1]`, as users write the key."""
    path = f"{namespace}:{loc[0]}" if loc else namespace
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _value(raw: dict[str, Any], loc: tuple[Any, ...]) -> Any:
    node: Any = raw
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def format_validation_error(err: ValidationError, raw: dict[str, Any], namespace: str,
                            source: str) -> ConfigError:
    lines = []
    for item in err.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, KeyedError):
            loc += cause.loc
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            lines.append(f"{key_path(namespace, loc)}: required but not set")
            continue
        if item["type"] == "extra_forbidden":
            lines.append(f"{key_path(namespace, loc)}: unknown key (check the spelling; see docs/configuration.md)")
            continue
        value = _value(raw, loc)
        shown = f" = {value!r}" if value is not None and not isinstance(value, (dict, list)) else ""
        lines.append(f"{key_path(namespace, loc)}{shown}: {message}")
    plural = "s" if len(lines) > 1 else ""
    body = "\n".join(f"  - {line}" for line in lines)
    return ConfigError(f"invalid stack config in {source} ({len(lines)} problem{plural}):\n{body}")


class KeyedError(ValueError):
    """A cross-field check failure that knows which config key (relative to its model) is wrong."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
