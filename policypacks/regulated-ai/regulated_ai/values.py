"""Plain views of resource properties in which preview-time unknowns are explicit.

The SDK's proxy raises on reading an unknown, which the SDK downgrades to an advisory
"can't run policy during preview" note: a mandatory control would silently not be enforced.
Policies here read plain data instead and decide: `known()` fails closed on an unknown,
`get()` returns the UNKNOWN marker for references whose value does not decide compliance.
"""
from __future__ import annotations

from typing import Any

from pulumi_policy.proxy import _is_unknown


class _Unknown:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown at preview>"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


class Unverifiable(Exception):
    """A value the control depends on is unknown at preview; the policy reports it, never passes it."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def plain(value: Any) -> Any:
    """Unwrap the SDK's unknown-checking proxies into dicts/lists, unknowns as UNKNOWN."""
    if isinstance(value, str):
        return UNKNOWN if _is_unknown(value) else value
    target = _target(value)
    if isinstance(target, dict):
        return {key: plain(item) for key, item in target.items()}
    if isinstance(target, list):
        return [plain(item) for item in target]
    return value


def _target(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return value
    # The SDK's _DictProxy/_ListProxy expose the wrapped container under the "__target" key.
    try:
        return value["__target"]
    except (TypeError, KeyError, IndexError):
        return value


_MISSING = object()


def lookup(data: Any, path: str, default: Any = None) -> Any:
    """`lookup(props, "metadataOptions.httpTokens")`; numeric parts index lists."""
    node = data
    for part in path.split("."):
        if is_unknown(node):
            return UNKNOWN
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = _MISSING
        if node is _MISSING:
            return default
    return node
