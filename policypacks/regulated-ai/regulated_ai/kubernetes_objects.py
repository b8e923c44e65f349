"""Kubernetes objects as the policies judge them: a `...List` resource is its items, each judged as
its kind (`kubernetes:apps/v1:DeploymentList` holds Deployments), so that a list is no way around a rule."""
from __future__ import annotations

import dataclasses

from regulated_ai.framework import ResourceView
from regulated_ai.types import K8S_LISTS
from regulated_ai.values import Unverifiable, is_unknown


def is_patch(resource: ResourceView) -> bool:
    """A server-side apply patch of an existing object: what it leaves out keeps the live object's value."""
    return resource.type.endswith("Patch")


def objects(resource: ResourceView) -> list[ResourceView]:
    """The items of a List resource, each a view of the item kind named `<list>.items[<i>]`; any other
    resource is itself. An unknown item cannot be judged."""
    item_type = K8S_LISTS.get(resource.type)
    if item_type is None:
        return [resource]
    items = resource.known("items", []) or []
    views = []
    for index, item in enumerate(items):
        if is_unknown(item) or not isinstance(item, dict):
            raise Unverifiable(f"items.{index}")
        views.append(dataclasses.replace(resource, type=item_type, name=f"{resource.name}.items[{index}]",
                                         props=item))
    return views
