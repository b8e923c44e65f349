"""Assurance levels (catalog/assurance_levels.yaml, controls RAZ-LVL-*): what a zone's level requires
beyond what every zone gets.

A zone's level comes from the zone registry of the pack config (`zones.<zone>.assurance_level`,
derived from the zone config); its members are the resources placed in it by their `zone` tag or
label (placement.py). Most controls of a level are enforced for every zone by their own policies;
these judge the ones a level adds that not every zone gets: the class minimum (RAZ-LVL-001),
signature verification at admission (RAZ-LVL-002, level 3) and no internet egress (RAZ-LVL-003,
level 4). Approval gates (level 3) are RAZ-CHG-001, which `required-tags` enforces for every zone.
Every message names the zone's level.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from components.k8s.labels import ZONE_LABEL
from regulated_ai.framework import ResourceView, StackView, stack_policy
from regulated_ai.policies.placement import places, zone_memberships
from regulated_ai.types import (CARRIER_GATEWAY, EGRESS_ONLY_INTERNET_GATEWAY, INTERNET_GATEWAY, INTERNET_GATEWAY_ATTACHMENT,
                                K8S_NAMESPACE, NAT_GATEWAY, SUBNETS, VPC)
from regulated_ai.values import Unverifiable, is_unknown, unverifiable
from regzone.assurance_levels import assurance_levels

Finding = tuple[str, str]
SIGNATURE_LEVEL, AIR_GAP_LEVEL = 3, 4
# Kyverno ClusterPolicy as a Pulumi CustomResource (components/k8s/signing.py).
KYVERNO_CLUSTER_POLICIES = ("kubernetes:kyverno.io/v1:ClusterPolicy", "kubernetes:kyverno.io/v2beta1:ClusterPolicy")
_ECR_HOST = re.compile(r"^(\d{12}|\*)\.dkr\.ecr\.(?P<region>[a-z0-9-]+|\*)\.amazonaws\.com(\.cn)?$")
_SHOWN = 3  # allow-list entries named in a message


def _level_title(level: int) -> str:
    return f"level {level} ({assurance_levels().level(level).title})"


def _zones_at(stack: StackView, level: int) -> Iterator[tuple[str, int]]:
    """(zone, its level) for each zone of the registry at `level` or above."""
    for name, entry in sorted(stack.settings.zones.items()):
        if entry.assurance_level is not None and entry.assurance_level >= level:
            yield name, entry.assurance_level


@stack_policy(
    "assurance-level-minimum",
    description="Every zone declares an assurance level, at least the minimum of the data classes it holds "
                "(catalog/assurance_levels.yaml; data_class_policy.<class>.min_assurance_level raises it).",
    controls=["RAZ-LVL-001"], types=places)
def assurance_level_minimum(stack: StackView) -> Iterator[Finding]:
    settings, levels = stack.settings, assurance_levels()
    classes, members, problems = zone_memberships(stack)
    yield from problems
    for zone in sorted(set(members) | set(settings.zones)):
        entry = settings.zones.get(zone)
        if entry is None:
            continue  # not in the zone registry: data-class-placement blocks its resources
        held = sorted(classes[zone])
        if entry.assurance_level is None:
            if held or members[zone]:
                yield "", (f"zone '{zone}' declares no assurance level (zones.{zone}.assurance_level of the pack "
                           "config), so the controls its level requires cannot be judged; valid: 1..4, derived "
                           "from the zone config by `regzone pack-config`.")
            continue
        for data_class in held:
            rule = settings.data_class_policy.get(data_class)
            needed = levels.class_minimum(data_class, rule.min_assurance_level if rule else None)
            if needed is None:
                yield "", (f"zone '{zone}' holds data class '{data_class}', for which neither the catalog nor "
                           f"data_class_policy.{data_class}.min_assurance_level sets a minimum assurance level; "
                           "set it so the zone's level can be judged.")
            elif entry.assurance_level < needed:
                yield "", (f"zone '{zone}' is at level {entry.assurance_level} but holds data class '{data_class}', "
                           f"which needs {_level_title(needed)} or higher.")


# ---- signature verification at admission (RAZ-LVL-002) ----------------------------------------

def is_kyverno_cluster_policy(type_token: str) -> bool:
    """Kyverno's ClusterPolicy: a custom resource, whose token the SDK builds at run time from its
    apiVersion and kind (no SDK type declares it)."""
    return type_token in KYVERNO_CLUSTER_POLICIES


def _kubernetes_zones(stack: StackView, members: dict[str, list[ResourceView]]) -> set[str]:
    """Zones whose Kubernetes objects this stack holds: the in-cluster program of the zone."""
    zones = {zone for zone, resources in members.items()
             if any(r.type.startswith("kubernetes:") for r in resources)}
    for namespace in stack.of_type(K8S_NAMESPACE):
        labels = namespace.get("metadata.labels") or {}
        zone = labels.get(ZONE_LABEL) if isinstance(labels, dict) else None
        if is_unknown(zone):  # it may name a zone whose in-cluster requirements apply
            raise unverifiable(zone)
        if isinstance(zone, str):
            zones.add(zone)
    return zones


def _covers(reference: str, zone: str, regions: list[str]) -> bool:
    """Whether an image reference pattern covers every image of the zone registry
    (`<account>.dkr.ecr.<region>.amazonaws.com/<zone>/...`, components/registry.py)."""
    host, _, _ = reference.partition("/")
    match = _ECR_HOST.match(host)
    if match and match.group("region") != "*" and match.group("region") not in regions:
        return False  # another region's registry: not the zone's
    probe_host = host if match and "*" not in host else f"111122223333.dkr.ecr.{regions[0]}.amazonaws.com"
    return fnmatch.fnmatchcase(f"{probe_host}/{zone}/any/repository", reference)


def _kinds(policy: ResourceView, rule: str) -> set[str]:
    """Kinds a rule's `match` selects (`match.resources`, or each group of `match.any` / `match.all`)."""
    groups = [f"{rule}.match"]
    for key in ("any", "all"):
        groups += [f"{rule}.match.{key}.{i}" for i in range(len(policy.known(f"{rule}.match.{key}", []) or []))]
    return {policy.known(f"{group}.resources.kinds.{k}")
            for group in groups for k in range(len(policy.known(f"{group}.resources.kinds", []) or []))}


def _verification_gaps(policy: ResourceView, zone: str, regions: list[str]) -> list[str]:
    """Why a Kyverno ClusterPolicy does not verify the signatures of every zone image at admission
    (empty: it does). Field meanings: Kyverno docs, "Verify Images Rules"
    (https://kyverno.io/docs/policy-types/cluster-policy/verify-images/): `required` defaults to
    true, `skipImageReferences` exempts images, `failurePolicy: Ignore` admits when the webhook
    fails, and the failure action (per entry, else the policy's `validationFailureAction`) must be
    Enforce for a failed verification to block the pod rather than be reported."""
    if str(policy.known("spec.failurePolicy", "Fail")) != "Fail":
        return ["failurePolicy is not Fail, so pods are admitted unverified when the webhook fails"]
    policy_action = str(policy.known("spec.validationFailureAction", "Audit"))
    gaps = []
    for r in range(len(policy.known("spec.rules", []) or [])):
        rule = f"spec.rules.{r}"
        if "Pod" not in _kinds(policy, rule) or policy.known(f"{rule}.exclude") is not None:
            continue
        for v in range(len(policy.known(f"{rule}.verifyImages", []) or [])):
            entry = f"{rule}.verifyImages.{v}"
            references = [policy.known(f"{entry}.imageReferences.{i}")
                          for i in range(len(policy.known(f"{entry}.imageReferences", []) or []))]
            if not any(isinstance(ref, str) and _covers(ref, zone, regions) for ref in references):
                continue
            action = str(policy.known(f"{entry}.failureAction", policy_action))
            attestors = policy.known(f"{entry}.attestors", []) or []
            if action.lower() != "enforce":
                gaps.append(f"{entry} only reports failures (failure action {action})")
            elif policy.known(f"{entry}.required", True) is False:
                gaps.append(f"{entry} sets required: false")
            elif policy.known(f"{entry}.skipImageReferences", []):
                gaps.append(f"{entry} skips images (skipImageReferences)")
            elif not any(policy.known(f"{entry}.attestors.{a}.entries", []) for a in range(len(attestors))):
                gaps.append(f"{entry} names no attestor")
            else:
                return []
    return gaps or ["no rule matching Pods verifies the zone registry's images"]


@stack_policy(
    "assurance-level-signed-admission",
    description="The in-cluster program of a zone at assurance level 3 or 4 verifies image signatures at admission: "
                "a Kyverno verifyImages policy that enforces, fails closed and covers the zone registry.",
    controls=["RAZ-LVL-002"], types=is_kyverno_cluster_policy)
def assurance_level_signed_admission(stack: StackView) -> Iterator[Finding]:
    signed = list(_zones_at(stack, SIGNATURE_LEVEL))
    if not signed:  # placements matter only to a zone that requires signatures: without one, nothing is read
        return
    _, members, unreadable = zone_memberships(stack)
    yield from unreadable  # a resource whose zone cannot be read may put Kubernetes objects in such a zone
    in_cluster = _kubernetes_zones(stack, members)
    policies = list(stack.of_type(*KYVERNO_CLUSTER_POLICIES))
    for zone, level in signed:
        if zone not in in_cluster:
            continue  # the zone's Kubernetes objects are not in this stack (the zone program)
        regions = stack.settings.zone_regions(zone) or ["*"]
        reasons = []
        for policy in policies:
            try:
                gaps = _verification_gaps(policy, zone, regions)
            except Unverifiable as missing:
                gaps = [f"`{missing.path}` is unknown until deployment"]
            if not gaps:
                break
            reasons.append(f"'{policy.name}': {gaps[0]}")
        else:
            found = "; ".join(reasons) if reasons else "the stack has no Kyverno ClusterPolicy"
            yield "", (f"zone '{zone}' is at {_level_title(level)}, which requires image signatures verified at "
                       f"admission, but nothing verifies them ({found}). Set regzone-incluster:"
                       "verify_image_signatures: true and signer_public_key.")


# ---- no internet egress (RAZ-LVL-003) ----------------------------------------------------------

_GATEWAYS = {INTERNET_GATEWAY: "internet gateway", EGRESS_ONLY_INTERNET_GATEWAY: "egress-only internet gateway",
             INTERNET_GATEWAY_ATTACHMENT: "internet gateway attachment", NAT_GATEWAY: "NAT gateway",
             CARRIER_GATEWAY: "carrier gateway"}


def opens_internet_path(type_token: str) -> bool:
    """The gateway types that can give a VPC a path to the internet."""
    return type_token in _GATEWAYS


def _egress_path(resource: ResourceView) -> str | None:
    """What internet path a resource opens, or None. A private NAT gateway reaches no internet
    (EC2 NatGateway `connectivityType: private`; the default is public)."""
    if resource.type not in _GATEWAYS:
        return None
    if resource.type == NAT_GATEWAY and resource.known("connectivityType", "public") == "private":
        return None
    return _GATEWAYS[resource.type]


def _linked_zone_networks(stack: StackView, members: dict[str, list[ResourceView]]) -> dict[str, set[str]]:
    """Zone -> URNs of its VPCs and subnets, so a gateway tagged for another zone still counts."""
    return {zone: {r.urn for r in resources if r.type == VPC or r.type in SUBNETS}
            for zone, resources in members.items()}


@stack_policy(
    "assurance-level-no-internet-egress",
    description="Zones at assurance level 4 have no internet egress: no allow-listed destination, and no internet, "
                "egress-only internet or NAT gateway in or attached to the zone's network.",
    controls=["RAZ-LVL-003"], types=opens_internet_path)
def assurance_level_no_internet_egress(stack: StackView) -> Iterator[Finding]:
    air_gapped = list(_zones_at(stack, AIR_GAP_LEVEL))
    if not air_gapped:  # placements matter only to an air-gapped zone: without one, nothing is read
        return
    _, members, unreadable = zone_memberships(stack)
    yield from unreadable  # a resource whose zone cannot be read may put a gateway in an air-gapped zone
    networks = _linked_zone_networks(stack, members)
    gateways = [r for t in _GATEWAYS for r in stack.of_type(t)]
    for zone, level in air_gapped:
        allowed = stack.settings.zones[zone].egress_allowed_destinations
        if allowed:
            yield "", (f"zone '{zone}' is at {_level_title(level)}, which allows no internet egress, but its egress "
                       f"allow-list names {', '.join(allowed[:_SHOWN])}: set regulated_ai_zone.egress.air_gapped: true.")
        own = {r.urn for r in members.get(zone, [])}
        for gateway in gateways:
            linked = {d.urn for key in ("vpcId", "subnetId") for d in gateway.property_dependencies.get(key, [])}
            if gateway.urn not in own and not linked & networks.get(zone, set()):
                continue
            try:
                path = _egress_path(gateway)
            except Unverifiable as missing:
                yield gateway.urn, (f"'{gateway.name}' is in zone '{zone}' ({_level_title(level)}), and its "
                                    f"`{missing.path}` is unknown until deployment: it may open an internet path.")
                continue
            if path:
                yield gateway.urn, (f"'{gateway.name}' is an {path} in zone '{zone}', which is at "
                                    f"{_level_title(level)} and allows no internet egress.")
