"""Kubernetes objects as the policies judge them: a `...List` resource is its items, each judged as
its kind (`kubernetes:apps/v1:DeploymentList` holds Deployments), so that a list is no way around a rule;
a custom resource that carries pod specs (training and serving operators) is the pod templates it
carries (regulated_ai/custom_resources.py)."""
from __future__ import annotations

import dataclasses

from regulated_ai.custom_resources import is_custom_resource, pod_templates
from regulated_ai.framework import ResourceView
from regulated_ai.types import K8S_LISTS, K8S_POD_TEMPLATE_PATHS
from regulated_ai.values import Unverifiable, is_unknown


def is_patch(resource: ResourceView) -> bool:
    """A server-side apply patch of an existing object: what it leaves out keeps the live object's value."""
    return resource.type.endswith("Patch")


def objects(resource: ResourceView) -> list[ResourceView]:
    """The items of a List resource, each a view of the item kind named `<list>.items[<i>]`; any other
    resource is itself, or, for a custom resource that carries pods, those pods as PodTemplate views.
    An unknown item cannot be judged."""
    item_type = K8S_LISTS.get(resource.type)
    if item_type is None:
        return (pod_templates(resource) or [resource]) if is_custom_resource(resource.type) else [resource]
    items = resource.known("items", []) or []
    views = []
    for index, item in enumerate(items):
        if is_unknown(item) or not isinstance(item, dict):
            raise Unverifiable(f"items.{index}")
        views.append(dataclasses.replace(resource, type=item_type, name=f"{resource.name}.items[{index}]",
                                         props=item))
    return views


def holds_pods(type_token: str) -> bool:
    """A pod-template kind, a List of them, or a custom resource (which may carry pods)."""
    return (type_token in K8S_POD_TEMPLATE_PATHS or K8S_LISTS.get(type_token) in K8S_POD_TEMPLATE_PATHS
            or is_custom_resource(type_token))


def workloads(resource: ResourceView) -> list[ResourceView]:
    """The pods and pod templates a resource is or carries (see `objects`), each of a pod-template kind."""
    return [item for item in objects(resource) if item.type in K8S_POD_TEMPLATE_PATHS]
