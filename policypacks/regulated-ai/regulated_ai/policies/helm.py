"""Kubernetes objects delivered as Helm releases, charts, YAML files and kustomizations (control
RAZ-K8S-010): the pod rules can only judge objects that reach the pack as resources.

A Helm Release (`kubernetes:helm.sh/v3:Release`) "embeds Helm as a library to perform the orchestration
of the resources" (pulumi-kubernetes, Release docs): its rendered manifests are applied by the provider
and never registered, at preview or at update, so nothing it deploys can be judged. A Chart (v3 or v4),
ConfigFile, ConfigGroup or kustomize Directory renders its objects and registers each as its child, which
the pack judges like any other object ("equivalent to running helm template ... then using Pulumi to deploy
the resulting YAML manifests. This allows you to apply ... Pulumi Policies to the Kubernetes resources",
Chart v4 docs). The engine analyzes every registered resource, components included (pulumi/pulumi
pkg/resource/deploy/step_generator.go). But a component renders inside an apply (v3 Chart: `_parse_chart`
runs on its resolved config) or in the provider, so one whose inputs are unknown at preview may register
no children at preview: a component with no rendered object in the stack cannot be judged.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.types import HELM_RELEASE, K8S_MANIFEST_COMPONENTS


@resource_policy(
    "k8s-no-helm-release",
    description="No Helm Release: its rendered manifests are applied by the provider and never reach the pack; "
                "deploy the chart with kubernetes.helm.v4.Chart, whose objects are judged.",
    controls=["RAZ-K8S-010"], types=[HELM_RELEASE])
def no_helm_release(release: ResourceView) -> Iterator[str]:
    chart = release.reference("chart") or "a chart"
    yield (f"Helm Release '{release.name}' ({chart}) applies its rendered manifests inside the provider, where no "
           "policy sees them: its pods cannot be judged for the zone registry, data classes or privileges. Deploy "
           "it with kubernetes.helm.v4.Chart (same chart and values), which registers every rendered object.")


def _rendered(stack: StackView) -> set[str]:
    """URNs of every resource that is an ancestor of another: components that rendered something."""
    ancestors = set()
    for resource in stack.resources:
        parent = resource.parent
        while parent is not None and parent.urn not in ancestors:
            ancestors.add(parent.urn)
            parent = parent.parent
    return ancestors


@stack_policy(
    "k8s-manifest-components-rendered",
    description="Every Helm chart, YAML file or kustomization renders its objects at preview, so that they are judged.",
    controls=["RAZ-K8S-010"], types=K8S_MANIFEST_COMPONENTS.__contains__)
def manifest_components_rendered(stack: StackView) -> Iterator[tuple[str, str]]:
    rendered = _rendered(stack)
    for component in stack.of_type(*K8S_MANIFEST_COMPONENTS):
        if component.urn not in rendered:
            kind = component.type.rsplit(":", 1)[1]
            yield component.urn, (
                f"{kind} '{component.name}' registered no objects at preview, so none of them can be judged: its "
                "inputs (chart, values, files) are probably unknown until deployment. Give them literal values "
                "at preview, or deploy the objects as resources of their own.")
