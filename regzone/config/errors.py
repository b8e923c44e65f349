"""Turns schema errors into messages that name the config key, the bad value and what is valid."""
from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError


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


def _unwrap(annotation: Any) -> Any:
    """Optional[X] and Annotated[X, ...] -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model found at `loc` (through lists, dicts and optionals), or None."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if typing.get_origin(annotation) in (list, dict):   # a list index or a mapping key
            annotation = typing.get_args(annotation)[-1]
        elif _is_model(annotation) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if _is_model(annotation) else None


def unknown_key_hint(model: type[BaseModel] | None, loc: tuple[Any, ...], namespace: str,
                     docs: str = "docs/configuration.md") -> str:
    """What to write instead of an unknown key: where it belongs, or the valid keys at that level."""
    holder = _model_at(model, loc[:-1]) if model is not None else None
    if holder is None:
        return f"unknown key (check the spelling; see {docs})"
    key, valid = str(loc[-1]), sorted(holder.model_fields)
    moved = getattr(holder, "moved_keys", {}).get(key)
    if moved is not None:
        return (f"no longer a key of {namespace}: {moved}. Remove it here; name the account baseline with "
                f"{namespace}:baseline_stack and deploy it first (docs/baseline.md)")
    zone_model = _model_at(model, ("zones", 0)) if len(loc) == 1 else None
    if zone_model is not None and key in zone_model.model_fields:
        return (f"unknown key here: {key} is set per zone, under each entry of {namespace}:zones "
                f"(zones[].{key}); see {docs}")
    near = difflib.get_close_matches(key, valid, n=1)
    return f"unknown key{f' (did you mean {near[0]}?)' if near else ''}; valid: {', '.join(valid)} ({docs})"


def validation_problems(err: ValidationError, raw: dict[str, Any], namespace: str,
                        model: type[BaseModel] | None = None,
                        path: Callable[[tuple[Any, ...]], str] | None = None) -> list[tuple[str, str]]:
    """(where, what is wrong and what is valid) per error; `where` is `path(loc)`, by default the
    config key as users write it in a stack file (`regzone:zones[0].key_users[1]`)."""
    path = path or (lambda loc: key_path(namespace, loc))
    problems = []
    for item in err.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, KeyedError):
            loc += cause.loc
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            problems.append((path(loc), "required but not set"))
            continue
        if item["type"] == "extra_forbidden":
            problems.append((path(loc), unknown_key_hint(model, loc, namespace)))
            continue
        value = _value(raw, loc)
        shown = f"= {value!r}: " if value is not None and not isinstance(value, (dict, list)) else ""
        problems.append((path(loc), f"{shown}{message}"))
    return problems


def problems_message(heading: str, problems: list[tuple[str, str]]) -> str:
    """`heading (n problems):` and one `  - where: what` line per problem."""
    plural = "s" if len(problems) > 1 else ""
    body = "\n".join(f"  - {where}{' ' if what.startswith('=') else ': '}{what}" for where, what in problems)
    return f"{heading} ({len(problems)} problem{plural}):\n{body}"


def format_validation_error(err: ValidationError, raw: dict[str, Any], namespace: str,
                            source: str, model: type[BaseModel] | None = None) -> ConfigError:
    problems = validation_problems(err, raw, namespace, model)
    return ConfigError(problems_message(f"invalid stack config in {source}", problems))


class KeyedError(ValueError):
    """A cross-field check failure that knows which config key (relative to its model) is wrong."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
