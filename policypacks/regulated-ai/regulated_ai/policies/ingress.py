"""Ingresses never provision internet-facing load balancers (control RAZ-K8S-013).

The AWS Load Balancer Controller provisions an ALB for an Ingress, internal unless the Ingress's
`alb.ingress.kubernetes.io/scheme` says `internet-facing`, or the IngressClassParams of its class sets
`spec.scheme`, which then applies to every Ingress of the class (LBC docs, "Ingress annotations" and
"IngressClass"). Both are judged wherever they are set: an Ingress of every API version, its patch
and the items of its List, and IngressClassParams. Other ingress controllers expose through a
LoadBalancer Service of their own, judged by k8s-service-internal-only (RAZ-K8S-005).
"""
from __future__ import annotations

from collections.abc import Iterator

from components.k8s.labels import ALB_SCHEME_ANNOTATION, LB_INTERNAL_SCHEME
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.kubernetes_objects import objects
from regulated_ai.types import ALB_INGRESS_CLASS_PARAMS, K8S_INGRESSES, K8S_LISTS, patches
from regulated_ai.values import is_unknown, unverifiable

INGRESS_TYPES = [*K8S_INGRESSES, *patches(K8S_INGRESSES), *(t for t, item in K8S_LISTS.items() if item in K8S_INGRESSES)]
# A predicate, since IngressClassParams is a custom resource the SDKs do not declare.
_JUDGED = frozenset({*INGRESS_TYPES, *ALB_INGRESS_CLASS_PARAMS})


@resource_policy(
    "k8s-ingress-internal-only",
    description="No Ingress or IngressClassParams asks the AWS Load Balancer Controller for an internet-facing ALB.",
    controls=["RAZ-K8S-013"], types=_JUDGED.__contains__)
def ingress_internal_only(resource: ResourceView) -> Iterator[str]:
    if resource.type in ALB_INGRESS_CLASS_PARAMS:
        scheme = resource.known("spec.scheme")
        if scheme not in (None, LB_INTERNAL_SCHEME):
            yield (f"IngressClassParams '{resource.name}' sets scheme {scheme!r} for every Ingress of its class; "
                   f"set it to '{LB_INTERNAL_SCHEME}' or leave it unset.")
        return
    for ingress in objects(resource):
        annotations = ingress.known("metadata.annotations", {}) or {}
        scheme = annotations.get(ALB_SCHEME_ANNOTATION)
        if is_unknown(scheme):
            raise unverifiable(scheme, f"metadata.annotations.{ALB_SCHEME_ANNOTATION}")
        if scheme not in (None, LB_INTERNAL_SCHEME):
            yield (f"Ingress '{ingress.name}' sets {ALB_SCHEME_ANNOTATION}: {scheme!r}, which gives it a load "
                   f"balancer outside the VPC; set it to '{LB_INTERNAL_SCHEME}' or remove it (internal is the default).")
