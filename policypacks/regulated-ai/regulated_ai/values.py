"""Plain views of resource properties in which preview-time unknowns are explicit.

The SDK's proxy raises on reading an unknown, which the SDK downgrades to an advisory
"can't run policy during preview" note: a mandatory control would silently not be enforced.
Policies here read plain data instead and decide: `known()` fails closed on an unknown,
`get()` returns the UNKNOWN marker for references whose value does not decide compliance.
"""
from __future__ import annotations

import math
import re
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


class InvalidValue(ValueError):
    """A value the provider would not read as the type the control needs; reported, never guessed."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        super().__init__(f"`{path}` is {value!r:.60}, which the provider does not read as {expected}")
        self.path = path


# How pulumi-aws reads a boolean or number given in another form. The engine hands a pack the inputs
# the provider's Check returns (pulumi/pulumi pkg/resource/deploy/step_generator.go). For Terraform
# SDKv2 resources the bridge passes a string to Terraform unchanged and Check returns it converted with
# Go's strconv.ParseBool / ParseInt / ParseFloat (pulumi-terraform-bridge pkg/tfbridge/schema.go:
# makeTerraformInput, then MakeTerraformOutput -> CoerceTerraformString), so "1", "t" and "TRUE" are
# true; a number given for a boolean reaches Terraform as an integer (makeTerraformInput). Plugin
# Framework resources parse numeric strings with ParseInt(s, 10) then ParseFloat and refuse a boolean
# in any other form (pkg/convert/number.go, bool.go). Nullable-boolean string inputs (launch template
# `encrypted`) read "" as unset. The pack reads a number in a boolean input as true unless it is 0:
# wherever the provider refuses it the deployment fails anyway, wherever it accepts it that is its
# meaning. The offline harness sends the program's raw values, so policies read both forms alike.
_TRUE_STRINGS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE_STRINGS = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def as_bool(value: Any, path: str) -> bool | None:
    """The boolean the provider reads from `value` (None when unset); InvalidValue otherwise."""
    if is_unknown(value):
        raise Unverifiable(path)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value != 0
    if isinstance(value, str) and value in _TRUE_STRINGS | _FALSE_STRINGS:
        return value in _TRUE_STRINGS
    raise InvalidValue(path, value, "a boolean")


def as_number(value: Any, path: str) -> float | None:
    """The number the provider reads from `value` (None when unset); InvalidValue otherwise. Not a
    number, infinities included, is refused: no comparison may pass it."""
    if is_unknown(value):
        raise Unverifiable(path)
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    raise InvalidValue(path, value, "a number")


def values_at(data: Any, path: str, where: str = "") -> list[tuple[str, Any]]:
    """Every (concrete path, value) at `path` with lists transparent, as the SDK nests repeated
    inputs: `launchSpecifications.associatePublicIpAddress` reads that input of every launch
    specification. An unknown met on the way is returned (as UNKNOWN, at the path reached) for the
    caller to report; a missing input returns nothing."""
    head, _, rest = path.partition(".")
    if is_unknown(data):
        return [(where or path, UNKNOWN)]
    if isinstance(data, list):
        return [found for index, item in enumerate(data)
                for found in values_at(item, path, f"{where}.{index}" if where else str(index))]
    if not isinstance(data, dict) or head not in data:
        return []
    here = f"{where}.{head}" if where else head
    return values_at(data[head], rest, here) if rest else [(here, data[head])]
