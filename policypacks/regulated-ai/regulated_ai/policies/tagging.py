"""Change control: every taggable AWS resource carries the required tags (RAZ-CHG-001).

The zone program sets the tags once, as the AWS provider's `defaultTags`; the provider merges them
into every resource at deploy time, so a resource's own `tags` input rarely holds them. The
engine hands the pack the provider's inputs, where `defaultTags` is a JSON string
(`{"tags": {...}}`). Both are read here, the resource's own tags winning, as the provider does.
"""
from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.values import Unverifiable, is_unknown, unverifiable
from regzone.tags import CHANGE_REF_UNSET, TAG_CHANGE_REF

# The config model's default change_ref: a placeholder, not a change ticket.
_PLACEHOLDER_CHANGE_REFS = frozenset({CHANGE_REF_UNSET})
TAGGABLE_TYPES_FILE = Path(__file__).with_name("aws_taggable_types.txt")


def is_aws_resource(type_token: str) -> bool:
    return type_token.startswith("aws:")


@lru_cache(maxsize=1)
def taggable_types() -> frozenset[str]:
    """Types whose pulumi-aws inputs take a `tags` map (data file generated from the pinned SDK)."""
    lines = TAGGABLE_TYPES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_taggable(resource: ResourceView) -> bool:
    tags = resource.get("tags")
    return resource.type in taggable_types() or isinstance(tags, dict) or is_unknown(tags)


def _tag_map(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if is_unknown(value):
        raise unverifiable(value, where)
    if not isinstance(value, dict):
        raise ValueError(f"`{where}` is not a map of tags: {value!r:.80}")
    return value


def default_tags(resource: ResourceView) -> dict[str, Any]:
    """The provider's `defaultTags.tags` (a JSON string on the wire, an object from some engines)."""
    raw = resource.provider_props.get("defaultTags")
    if is_unknown(raw):
        raise unverifiable(raw, "provider.defaultTags")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValueError(f"the provider's defaultTags is not valid JSON: {raw!r:.80}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"the provider's defaultTags is not an object: {raw!r:.80}")
    return _tag_map(raw.get("tags"), "provider.defaultTags.tags")


def effective_tags(resource: ResourceView) -> Mapping[str, Any]:
    """Tags the resource will carry once deployed: provider default tags overlaid by its own."""
    # Layered, not copied: each tag read is a read of the map that holds it (tests/test_unknowns.py).
    return ChainMap(_tag_map(resource.get("tags"), "tags"), default_tags(resource))


@resource_policy(
    "required-tags",
    description="Every taggable AWS resource carries owner, zone, data-class, environment and change-ref "
                "(the resource's tags or the provider's default tags).",
    controls=["RAZ-CHG-001"], types=is_aws_resource)
def required_tags(resource: ResourceView) -> Iterator[str]:
    if not is_taggable(resource):
        return
    try:
        tags = effective_tags(resource)
    except ValueError as err:
        yield f"'{resource.name}' ({resource.type}) has malformed tags, so its change-control tags are unknown: {err}."
        return
    required = resource.settings.required_tags
    for key in required:
        if is_unknown(tags.get(key)):
            raise Unverifiable(f"tags.{key}")
    missing = [key for key in required if not isinstance(tags.get(key), str) or not tags[key].strip()]
    if missing:
        yield (f"'{resource.name}' ({resource.type}) lacks required tag(s) {', '.join(missing)}: set them in "
               "the provider's default_tags (regzone:owner, regzone:environment, regzone:change_ref) "
               "or on the resource.")
    change_ref = tags.get(TAG_CHANGE_REF)
    if TAG_CHANGE_REF in required and isinstance(change_ref, str) and (
            change_ref.strip().lower() in _PLACEHOLDER_CHANGE_REFS):
        yield (f"'{resource.name}' ({resource.type}) has change-ref '{change_ref}', a placeholder: "
               "set regzone:change_ref to the approved change ticket.")
