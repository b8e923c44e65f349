"""Plain views of resource properties in which preview-time unknowns are explicit.

The SDK's proxy raises on reading an unknown, which the SDK downgrades to an advisory
"can't run policy during preview" note: a mandatory control would silently not be enforced.
Policies here read plain data instead, in which an unknown is an `Unknown` that refuses every use
(raising Unverifiable with its path, which the framework reports as "cannot be verified"), at any
depth. A policy that does not depend on a value says so by reading it through `reference()`.
"""
from __future__ import annotations

import math
import re
from typing import Any

from pulumi_policy.proxy import _is_unknown


class Unverifiable(Exception):
    """A value the control depends on is unknown at preview; the policy reports it, never passes it.
    `urn` names the resource holding it when a stack policy read it."""

    def __init__(self, path: str, urn: str = "") -> None:
        super().__init__(path)
        self.path = path
        self.urn = urn


def _refuse(self: "Unknown", *_: Any, **__: Any) -> Any:
    raise Unverifiable(object.__getattribute__(self, "_path"), object.__getattribute__(self, "_urn"))


class Unknown:
    """A value unknown at preview, where it sits in the resource's properties. Every use of it raises
    Unverifiable naming that path: truth, iteration, len, indexing, `in`, comparison, hashing,
    arithmetic, text conversion, attribute access (`.get`, `.startswith`) and even `isinstance`
    (through `__class__`), so that no policy can drop it, treat it as empty or find it "not equal"
    to a bad value. Only `is_unknown()`, `unknown_path()` and `repr()` see it for what it is."""

    __slots__ = ("_path", "_urn")

    def __init__(self, path: str, urn: str = "") -> None:
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_urn", urn)

    def __repr__(self) -> str:
        return f"<unknown at preview: {object.__getattribute__(self, '_path')}>"

    # isinstance(x, T) asks x.__class__ when type(x) is not T: refusing it makes type tests raise too.
    __class__ = property(_refuse)  # type: ignore[assignment]
    __getattr__ = _refuse
    __setattr__ = __delattr__ = _refuse
    __bool__ = __len__ = __iter__ = __reversed__ = __contains__ = _refuse
    __getitem__ = __setitem__ = __delitem__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse  # type: ignore[assignment]
    __str__ = __format__ = __bytes__ = __int__ = __float__ = __index__ = __complex__ = __round__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _refuse
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __neg__ = __pos__ = __abs__ = _refuse
    __call__ = __enter__ = __exit__ = __copy__ = __deepcopy__ = __reduce__ = __reduce_ex__ = _refuse


class _Unresolved:
    """What `reference()` returns for an unknown: a value the policy declared it does not depend on."""

    _instance = None

    def __new__(cls) -> "_Unresolved":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown at preview>"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unresolved()


def is_unknown(value: Any) -> bool:
    """True for a preview-time unknown, strict or read through `reference()`."""
    return type(value) is Unknown or value is UNKNOWN


def unknown_path(value: Any) -> str:
    """Where a strict unknown sits (`is_unknown(value)` must hold)."""
    return object.__getattribute__(value, "_path") if type(value) is Unknown else ""


def unverifiable(value: Any, path: str = "") -> Unverifiable:
    """The error to raise for an unknown the policy met: names the path where it sits (`path` for
    one read through `reference()`, which no longer knows it)."""
    if type(value) is Unknown:
        return Unverifiable(object.__getattribute__(value, "_path"), object.__getattribute__(value, "_urn"))
    return Unverifiable(path)


def plain(value: Any, where: str = "", urn: str = "") -> Any:
    """Unwrap the SDK's unknown-checking proxies into dicts/lists in which every unknown is an
    `Unknown` carrying its path (`where` is the path of `value` itself)."""
    if isinstance(value, str):
        return Unknown(where, urn) if _is_unknown(value) else value
    target = _target(value)
    if isinstance(target, dict):
        return {key: plain(item, f"{where}.{key}" if where else str(key), urn) for key, item in target.items()}
    if isinstance(target, list):
        return [plain(item, f"{where}.{index}" if where else str(index), urn) for index, item in enumerate(target)]
    return value


def reference(value: Any) -> Any:
    """`value` with every unknown replaced by the inert UNKNOWN marker (falsy, equal to nothing but
    itself). Only for values a control does not depend on: names shown in messages, references
    that the policy resolves another way (a dependency) when unknown."""
    if type(value) is Unknown:
        return UNKNOWN
    # The base classes' own iteration: a reference read is not a read the control depends on, also
    # for the test that records those (tests/test_unknowns.py).
    if isinstance(value, dict):
        return {key: reference(item) for key, item in dict.items(value)}
    if isinstance(value, list):
        return [reference(item) for item in list.__iter__(value)]
    return value


def reference_at(data: Any, path: str, default: Any = None) -> Any:
    """`reference()` of the value at `path` of `data`, read as a reference (see `lookup(quiet=True)`)."""
    return reference(lookup(data, path, default, quiet=True))


def _target(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return value
    # The SDK's _DictProxy/_ListProxy expose the wrapped container under the "__target" key.
    try:
        return value["__target"]
    except (TypeError, KeyError, IndexError):
        return value


_MISSING = object()


def lookup(data: Any, path: str, default: Any = None, *, quiet: bool = False) -> Any:
    """`lookup(props, "metadataOptions.httpTokens")`; numeric parts index lists. `quiet` reads
    through the base classes (a reference read, see `reference()`)."""
    node = data
    for part in path.split("."):
        if is_unknown(node):
            return node  # the unknown where the path crosses it, naming its own path
        if isinstance(node, dict):
            node = dict.get(node, part, _MISSING) if quiet else node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = list.__getitem__(node, int(part)) if quiet else node[int(part)]
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
        raise unverifiable(value, path)
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
        raise unverifiable(value, path)
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
    specification. An unknown met on the way is returned (at the path where it sits) for the caller
    to report; a missing input returns nothing."""
    head, _, rest = path.partition(".")
    if is_unknown(data):
        return [(unknown_path(data) or where or path, data)]
    if isinstance(data, list):
        return [found for index, item in enumerate(data)
                for found in values_at(item, path, f"{where}.{index}" if where else str(index))]
    if not isinstance(data, dict) or head not in data:
        return []
    here = f"{where}.{head}" if where else head
    return values_at(data[head], rest, here) if rest else [(here, data[head])]
