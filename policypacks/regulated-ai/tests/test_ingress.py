"""RAZ-K8S-013 over the analyzer protocol: Ingresses and IngressClassParams ask for internal ALBs only."""
import pytest

from analyzer_helpers import resource, violations
from regulated_ai.types import K8S_INGRESSES

POLICY = "k8s-ingress-internal-only"
SCHEME = "alb.ingress.kubernetes.io/scheme"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KINDS = [*K8S_INGRESSES, *(f"{k}Patch" for k in K8S_INGRESSES)]


def ingress(kind, annotations):
    return resource(kind, {"metadata": {"name": "i", "annotations": annotations},
                           "spec": {"ingressClassName": "alb"}}, name="i")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("annotations", [{}, {SCHEME: "internal"}])
def test_internal_ingresses_pass(pack, kind, annotations):
    assert violations(pack, POLICY, ingress(kind, annotations)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_an_internet_facing_ingress_fires(pack, kind):
    found = violations(pack, POLICY, ingress(kind, {SCHEME: "internet-facing"}))
    assert found and "'internet-facing'" in found[0].message and "RAZ-K8S-013" in found[0].message


def test_a_list_item_is_judged(pack):
    items = [{"metadata": {"name": "a"}}, {"metadata": {"name": "b", "annotations": {SCHEME: "internet-facing"}}}]
    found = violations(pack, POLICY, resource(f"{K8S_INGRESSES[0]}List", {"items": items}, name="l"))
    assert len(found) == 1 and "l.items[1]" in found[0].message


def test_an_unknown_scheme_is_reported(pack):
    found = violations(pack, POLICY, ingress(K8S_INGRESSES[0], {SCHEME: UNKNOWN}))
    assert found and "cannot be verified" in found[0].message


@pytest.mark.parametrize("scheme, fires", [(None, False), ("internal", False), ("internet-facing", True)])
def test_ingress_class_params_scheme(pack, scheme, fires):
    spec = {"group": {"name": "zone"}} | ({"scheme": scheme} if scheme else {})
    params = resource("kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
                      {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams",
                       "metadata": {"name": "alb"}, "spec": spec}, name="alb")
    assert bool(violations(pack, POLICY, params)) is fires
