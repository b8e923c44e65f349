"""RAZ-K8S-010 over the analyzer protocol: a Helm Release is refused; a chart, YAML or kustomize component
is judged through the objects it registers, and one that registered none at preview blocks."""
import pytest

from analyzer_helpers import resource, stack_violations, violations
from regulated_ai.types import K8S_MANIFEST_COMPONENTS

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_a_helm_release_is_refused(pack):
    release = resource("kubernetes:helm.sh/v3:Release", {"chart": "kserve", "namespace": "serving",
                                                          "values": {"image": UNKNOWN}}, name="kserve")
    found = violations(pack, "k8s-no-helm-release", release)
    assert found and "kserve" in found[0].message and "helm.v4.Chart" in found[0].message
    assert found[0].enforcement == "mandatory" and "RAZ-K8S-010" in found[0].message


def test_other_kubernetes_objects_are_not_releases(pack):
    assert violations(pack, "k8s-no-helm-release",
                      resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "c"}, "data": {}})) == []


def chart_with_child(component_type):
    chart = resource(component_type, {"chart": "ray-cluster"}, name="chart")
    child = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "c"}}, name="child", parent=chart.urn)
    return chart, child


@pytest.mark.parametrize("component_type", K8S_MANIFEST_COMPONENTS)
def test_a_component_that_rendered_objects_passes(pack, component_type):
    chart, child = chart_with_child(component_type)
    assert stack_violations(pack, "k8s-manifest-components-rendered", [chart, child]) == []


@pytest.mark.parametrize("component_type", K8S_MANIFEST_COMPONENTS)
def test_a_component_that_rendered_nothing_blocks(pack, component_type):
    chart, _ = chart_with_child(component_type)
    other = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "o"}}, name="other")
    found = stack_violations(pack, "k8s-manifest-components-rendered", [chart, other])
    assert len(found) == 1 and "registered no objects at preview" in found[0].message
    assert found[0].urn == chart.urn and found[0].enforcement == "mandatory"


def test_a_grandchild_counts_as_rendered(pack):
    chart = resource("kubernetes:helm.sh/v4:Chart", {"chart": "x"}, name="chart")
    group = resource("kubernetes:yaml/v2:ConfigGroup", {}, name="group", parent=chart.urn)
    child = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "c"}}, name="child", parent=group.urn)
    assert stack_violations(pack, "k8s-manifest-components-rendered", [chart, group, child]) == []
