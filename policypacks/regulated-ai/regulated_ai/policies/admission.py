"""The zone's own admission policies stay in force (control RAZ-K8S-011).

WorkloadAdmission (components/k8s/admission.py) binds each of the zone's ValidatingAdmissionPolicies with
`validationActions: [Deny, Audit]` and `failurePolicy: Fail`. A binding of one of them (a new one, a
patch of the zone's, an item of a List) without `Deny` only warns or audits: "Deny: validation failure
results in a denied request ... Warn ... Audit ..." and a binding's actions are its own
(kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/, "Validation actions").
A policy whose `failurePolicy` is `Ignore` admits whatever its expressions cannot evaluate. Both turn a
zone's admission into a report; both are blocked. A patch is judged on what it sets.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from components.k8s.labels import ADMISSION_POLICY_NAMES
from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.kubernetes_objects import is_patch, objects
from regulated_ai.types import K8S_ADMISSION_BINDINGS, K8S_ADMISSION_POLICIES, lists, patches

BINDING_TYPES = [*K8S_ADMISSION_BINDINGS, *patches(K8S_ADMISSION_BINDINGS), *lists(K8S_ADMISSION_BINDINGS)]
POLICY_TYPES = [*K8S_ADMISSION_POLICIES, *patches(K8S_ADMISSION_POLICIES), *lists(K8S_ADMISSION_POLICIES)]
_ZONE_POLICY = re.compile("^(" + "|".join(re.escape(n).replace(re.escape("{zone}"), "[a-z0-9.-]+")
                                          for n in ADMISSION_POLICY_NAMES) + ")$")


def zone_policy_name(name: object) -> bool:
    """Whether `name` is one of a zone's admission policies (or its binding, which has the same name)."""
    return isinstance(name, str) and _ZONE_POLICY.match(name) is not None


@resource_policy(
    "k8s-zone-admission-binding-denies",
    description="Every binding of a zone's admission policy (also a patch of it) has validationActions with Deny: "
                "a binding that only warns or audits admits everything.",
    controls=["RAZ-K8S-011"], types=BINDING_TYPES)
def zone_admission_binding_denies(resource: ResourceView) -> Iterator[str]:
    for binding in objects(resource):
        names = [binding.known("spec.policyName"), binding.known("metadata.name")]
        if not any(zone_policy_name(name) for name in names):
            continue
        actions = binding.known("spec.validationActions")
        if actions is None and is_patch(binding):
            continue  # the patch keeps the binding's actions
        actions = [binding.known(f"spec.validationActions.{i}") for i in range(len(actions or []))]
        if "Deny" not in actions:
            yield (f"binding '{binding.name}' of the zone admission policy {names[0] or names[1]!r} has "
                   f"validationActions {actions}: without Deny the zone's rules only warn or audit. Keep "
                   "[Deny, Audit] (WorkloadAdmission).")


@resource_policy(
    "k8s-zone-admission-fails-closed",
    description="A zone's admission policy (also a patch of it) keeps failurePolicy Fail.",
    controls=["RAZ-K8S-011"], types=POLICY_TYPES)
def zone_admission_fails_closed(resource: ResourceView) -> Iterator[str]:
    for policy in objects(resource):
        name = policy.known("metadata.name")
        if not zone_policy_name(name):
            continue
        # failurePolicy defaults to Fail (ValidatingAdmissionPolicySpec).
        failure = policy.known("spec.failurePolicy", "Fail")
        if failure != "Fail":
            yield (f"zone admission policy {name!r} has failurePolicy {failure!r}: requests its rules cannot evaluate "
                   "would be admitted. Keep failurePolicy Fail (WorkloadAdmission).")
