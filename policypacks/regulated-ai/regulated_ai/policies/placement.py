"""Data-class placement (seed 001 `data_class_policy`): RAZ-DCP-001 and RAZ-DCP-002.

A resource's zone and data classes come from its `zone` and `data-class` tags (provider default
tags included) or, for Kubernetes workloads, the same labels. RAZ-DCP-001 blocks a data class in a
zone its rule does not allow. RAZ-DCP-002 judges each zone against the requirements its data
classes carry (registry `data_classes` plus what the resources declare); how each requirement is
judged from resources is documented at `_JUDGES` and in docs/policy-pack.md.
"""
from __future__ import annotations

import fnmatch
import json
from collections import ChainMap, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.k8s.labels import DATA_CLASS_PREFIX, NAMESPACE_PERMITS, ZONE_LABEL
from regulated_ai import exposure
from regulated_ai.addresses import Network, internet_admitted, parse_cidr
from regulated_ai.framework import ResourceView, StackView, stack_policy
from regulated_ai.kubernetes_objects import objects
from regulated_ai.policies.kubernetes import NAMESPACE_TYPES, NETWORK_POLICY_TYPES, default_deny_namespaces
from regulated_ai.policies.tagging import effective_tags, is_aws_resource
from regulated_ai.settings import Settings
from regulated_ai.types import (CLOUDTRAIL_TRAIL, EKS_CLUSTER, K8S_LISTS, K8S_POD_TEMPLATE_PATHS, K8S_SERVICES,
                                KMS_KEYS, LOG_ACCOUNT_POLICY, LOG_GROUP, VPC)
from regulated_ai.values import InvalidValue, Unverifiable, is_unknown, unverifiable
from regzone.tags import TAG_DATA_CLASS, TAG_ZONE, parse_data_class_tag

# Pod-bearing Kubernetes kinds (and their patches) and where their labels live: the object's and its
# pod template's (label values cannot hold '+', so several classes are joined with '.').
WORKLOAD_LABELS: dict[str, tuple[str, ...]] = {
    token: tuple(dict.fromkeys(("metadata.labels", path.removesuffix("spec") + "metadata.labels")))
    for token, path in K8S_POD_TEMPLATE_PATHS.items()}
WORKLOAD_LABELS.update({token: ("metadata.labels",) for token in K8S_SERVICES})
NETWORK_BRIDGES = ("aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                   "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                   "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
                   "aws:networkmanager/vpcAttachment:VpcAttachment",
                   "aws:ec2/vpnGateway:VpnGateway", "aws:ec2/vpnGatewayAttachment:VpnGatewayAttachment")
RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
LOG_PROTECTION = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy"
LOG_TIERS = ("operational", "audit", "sensitive")


@dataclass
class Placed:
    resource: ResourceView
    zone: str | None
    classes: list[str]


def _labels(resource: ResourceView) -> Mapping[str, Any]:
    """The workload's labels, later paths first (a pod template's over the object's): layered, so
    that each label read is a read of the map holding it."""
    layers = []
    for path in WORKLOAD_LABELS[resource.type]:
        found = resource.known(path, None)
        if found is not None and not isinstance(found, dict):
            raise ValueError(f"`{path}` is not a map of labels")
        layers.append(found or {})
    return ChainMap(*reversed(layers))


def place(resource: ResourceView) -> Placed | None:
    """Zone and data classes of a resource; None when it is neither AWS nor a Kubernetes workload."""
    if is_aws_resource(resource.type):
        tags, separator = effective_tags(resource), "+"
    elif resource.type in WORKLOAD_LABELS:
        tags, separator = _labels(resource), "."
    else:
        return None
    zone, classes = tags.get(TAG_ZONE), tags.get(TAG_DATA_CLASS)
    for key, value in ((TAG_ZONE, zone), (TAG_DATA_CLASS, classes)):
        if is_unknown(value):
            raise unverifiable(value, f"tags.{key}")
        if value is not None and not isinstance(value, str):
            raise ValueError(f"the {key} tag is not a string: {value!r:.60}")
    parsed = parse_data_class_tag(classes.replace(separator, "+")) if classes else []
    return Placed(resource, zone or None, parsed)


def _unverifiable(resource: ResourceView, path: str) -> str:
    return (f"'{resource.name}' ({resource.type}): placement and zone requirements cannot be verified at "
            f"preview: `{path}` is unknown until deployment. Give it a literal value.")


def placements(stack: StackView) -> Iterator[tuple[Placed | None, tuple[str, str] | None]]:
    for resource in stack.resources:
        try:
            for item in objects(resource):  # a Kubernetes List is its items
                yield place(item), None
        except Unverifiable as missing:
            yield None, (resource.urn, _unverifiable(resource, missing.path))
        except ValueError as err:
            yield None, (resource.urn, f"'{resource.name}' ({resource.type}): {err}")


def places(type_token: str) -> bool:
    """Types whose zone and data classes placement reads: AWS resources and Kubernetes workloads."""
    return is_aws_resource(type_token) or type_token in WORKLOAD_LABELS or K8S_LISTS.get(type_token) in WORKLOAD_LABELS


@stack_policy(
    "data-class-placement",
    description="A resource or workload may only hold data classes that data_class_policy allows in its zone.",
    controls=["RAZ-DCP-001"], types=places)
def data_class_placement(stack: StackView) -> Iterator[tuple[str, str]]:
    policy, registry = stack.settings.data_class_policy, stack.settings.zones
    for placed, problem in placements(stack):
        if problem is not None:
            yield problem
            continue
        if placed is None or not placed.classes:
            continue
        r = placed.resource
        if placed.zone is None:
            yield r.urn, (f"'{r.name}' ({r.type}) holds {'+'.join(placed.classes)} but names no zone "
                          f"(`{TAG_ZONE}` tag or label): its placement cannot be allowed.")
            continue
        if registry and placed.zone not in registry:
            yield r.urn, (f"'{r.name}' ({r.type}) is in zone '{placed.zone}', which is not in the zone registry "
                          f"of the policy pack config; registered: {', '.join(sorted(registry))}.")
        for data_class in placed.classes:
            rule = policy.get(data_class)
            if rule is None:
                yield r.urn, (f"'{r.name}' ({r.type}) holds data class '{data_class}', which data_class_policy "
                              f"does not define; defined: {', '.join(sorted(policy)) or 'none'}.")
            elif placed.zone not in rule.allowed_zones:
                yield r.urn, (f"'{r.name}' ({r.type}) holds data class '{data_class}' in zone '{placed.zone}'; "
                              f"data_class_policy.{data_class}.allowed_zones: {', '.join(rule.allowed_zones)}.")


# ---- zone requirements -------------------------------------------------------------------------

Finding = tuple[str, str]
Judge = Callable[[str, list[ResourceView], StackView], Iterable[Finding]]


def _known_strings(resource: ResourceView, path: str) -> list:
    """A list property whose every element must be known."""
    values = resource.known(path, []) or []
    if not isinstance(values, list):
        return []
    for i, value in enumerate(values):
        if is_unknown(value):
            raise unverifiable(value, f"{path}.{i}")
    return values


def _judge_private_ingress(zone: str, members: list[ResourceView], _: StackView) -> Iterator[Finding]:
    """What opens a zone to the internet is judged as the network policies judge it (regulated_ai/exposure.py)."""
    for r in members:
        try:
            found = exposure.reasons(r)
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
            continue
        except InvalidValue as invalid:
            yield r.urn, f"'{r.name}' ({r.type}): {invalid}, so its exposure cannot be judged."
            continue
        for reason in found:
            yield r.urn, f"'{r.name}' ({r.type}) {reason}, but zone '{zone}' requires private ingress."


def _judge_audit_logging(zone: str, members: list[ResourceView], _: StackView) -> Iterator[Finding]:
    logging = []
    for r in members:
        if r.type != CLOUDTRAIL_TRAIL:
            continue
        try:
            if r.known("enableLogging", True) is not False:
                logging.append(r)
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
    if not logging:
        yield "", (f"zone '{zone}' requires audit logging but has no CloudTrail trail (tagged zone={zone}) with "
                   "logging on: add the zone's audit trail.")


def _judge_segmentation(zone: str, members: list[ResourceView], _: StackView) -> Iterator[Finding]:
    if not any(r.type == VPC for r in members):
        yield "", (f"zone '{zone}' requires network segmentation but has no VPC of its own (tagged zone={zone}).")
    for r in members:
        if r.type in NETWORK_BRIDGES:
            yield r.urn, (f"'{r.name}' ({r.type}) connects zone '{zone}' to another network, but the zone "
                          "requires network segmentation.")


def _normalise(pattern: str) -> str:
    return "*" + pattern if pattern.startswith(".") else pattern


def matches_llm_api(destination: str, llm_domains: Iterable[str]) -> str | None:
    """The LLM API domain an allow-list entry lets through (either side may be a wildcard)."""
    entry = _normalise(destination.strip().lower())
    for domain in llm_domains:
        pattern = _normalise(domain.lower())
        if fnmatch.fnmatchcase(entry, pattern) or fnmatch.fnmatchcase(pattern, entry):
            return domain
        if entry.startswith("*.") and pattern == entry[2:]:  # `.x` also allows x itself
            return domain
    return None


def _allow_list(rule_group: ResourceView) -> list[str]:
    """Domains a Network Firewall rule group lets through: ALLOWLIST targets and `pass` rules."""
    listed = "ruleGroup.rulesSource.rulesSourceList"
    entries: list[str] = []
    if rule_group.known(listed, None) is not None and \
            rule_group.known(f"{listed}.generatedRulesType", "ALLOWLIST") == "ALLOWLIST":
        entries += [t for t in _known_strings(rule_group, f"{listed}.targets") if isinstance(t, str)]
    rules = rule_group.known("ruleGroup.rulesSource.rulesString", None)
    if isinstance(rules, str):  # Suricata rules: any quoted domain in a `pass` rule is allowed
        entries += [part for line in rules.splitlines() if line.strip().startswith("pass")
                    for part in line.split('"')[1::2] if "." in part]
    return entries


def _judge_no_llm_egress(zone: str, members: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    settings: Settings = stack.settings
    entry = settings.zones.get(zone)
    for destination in entry.egress_allowed_destinations if entry else []:
        llm = matches_llm_api(destination, settings.llm_api_domains)
        if llm:
            yield "", (f"zone '{zone}' allows egress to '{destination}' (LLM API {llm}), but its data classes "
                       "prohibit external LLM calls: remove it from regulated_ai_zone.egress.allowed_destinations.")
    for r in members:
        if r.type != RULE_GROUP:
            continue
        try:
            destinations = _allow_list(r)
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
            continue
        for destination in destinations:
            llm = matches_llm_api(destination, settings.llm_api_domains)
            if llm:
                yield r.urn, (f"'{r.name}' allows egress to '{destination}' (LLM API {llm}), but zone '{zone}' "
                              "prohibits external LLM calls.")


def _deidentifies(document) -> bool:
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
        statements = parsed.get("Statement", [])
        return any(isinstance(s, dict) and "Deidentify" in (s.get("Operation") or {}) for s in statements)
    except (ValueError, AttributeError, TypeError):
        return False


def _protected_log_groups(stack: StackView) -> tuple[bool, set[str], set[str]]:
    """(account-wide policy present, protected log group names, protected log group URNs)."""
    account_wide = False
    for p in stack.of_type(LOG_ACCOUNT_POLICY):
        if p.get("policyType") == "DATA_PROTECTION_POLICY" and _deidentifies(p.get("policyDocument")):
            account_wide = True
    names: set[str] = set()
    urns: set[str] = set()
    for p in stack.of_type(LOG_PROTECTION):
        if not _deidentifies(p.get("policyDocument")):
            continue
        name = p.get("logGroupName")
        if not is_unknown(name) and isinstance(name, str):
            names.add(name)
        urns.update(dep.urn for dep in p.property_dependencies.get("logGroupName", []))
    return account_wide, names, urns


def _judge_redacted_logs(zone: str, members: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    account_wide, names, urns = _protected_log_groups(stack)
    for r in members:
        if r.type != LOG_GROUP:
            continue
        try:
            tier = effective_tags(r).get("log-tier")
            if is_unknown(tier):
                raise unverifiable(tier, "tags.log-tier")
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
            continue
        if tier not in LOG_TIERS:
            yield r.urn, (f"log group '{r.name}' has no log-tier tag ({', '.join(LOG_TIERS)}): zone '{zone}' "
                          "requires redacted logs, so every log group must say what it holds.")
        elif tier == "sensitive" and not (account_wide or r.urn in urns or r.get("name") in names):
            yield r.urn, (f"log group '{r.name}' holds sensitive payloads in zone '{zone}', which requires "
                          "redacted logs: attach a CloudWatch Logs data protection policy that de-identifies.")


def _namespaces(zone: str, stack: StackView) -> tuple[dict[str, tuple[ResourceView, set[str]]], list[Finding]]:
    """The namespaces this stack places in `zone` (created, patched or items of a List): name ->
    (namespace, data classes it permits), and what cannot be read at preview. The labels of every
    object naming one namespace add up, as a patch's labels merge into the object's."""
    labels: dict[str, tuple[ResourceView, dict]] = {}
    problems: list[Finding] = []
    for resource in stack.of_type(*NAMESPACE_TYPES):
        try:
            for ns in objects(resource):
                name = ns.known("metadata.name") or ns.name
                found = ns.known("metadata.labels", {}) or {}
                for key, value in found.items():
                    if is_unknown(value):
                        raise Unverifiable(f"metadata.labels.{key}")
                first, merged = labels.get(name, (ns, {}))
                labels[name] = first, {**merged, **found}
        except Unverifiable as missing:
            problems.append((resource.urn, _unverifiable(resource, missing.path)))
    namespaces = {name: (ns, {k.removeprefix(DATA_CLASS_PREFIX) for k, v in found.items()
                              if k.startswith(DATA_CLASS_PREFIX) and v == NAMESPACE_PERMITS})
                  for name, (ns, found) in labels.items() if found.get(ZONE_LABEL) == zone}
    return namespaces, problems


def _judge_namespace_segmentation(zone: str, _: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    """In-cluster: the zone has namespaces, and each denies all traffic by default through a
    NetworkPolicy of this stack that no patch in it turns into something else (as
    k8s-namespace-default-deny judges it); a namespace this stack patches into the zone included,
    since nothing in the stack shows what its creator gave it."""
    namespaces, problems = _namespaces(zone, stack)
    yield from problems
    if not namespaces and not problems:
        yield "", (f"zone '{zone}' requires network segmentation but the in-cluster stack creates no namespace "
                   f"labelled {ZONE_LABEL}={zone}.")
    try:
        denied = default_deny_namespaces(stack)
    except Unverifiable as missing:
        yield "", (f"a NetworkPolicy's `{missing.path}` is unknown until deployment, so the segmentation of zone "
                   f"'{zone}' cannot be verified at preview. Give it a literal value.")
        return
    for name, (ns, _classes) in sorted(namespaces.items()):
        if name not in denied:
            yield ns.urn, (f"namespace '{name}' of zone '{zone}', which requires network segmentation, has no "
                           "default-deny NetworkPolicy, or a patch in this stack changes it.")


def _egress_networks(policy: ResourceView) -> list[Network] | None:
    """What a NetworkPolicy's egress rules let pods reach outside the cluster: the CIDRs of their
    `ipBlock` peers less their `except` ranges; None when a rule names no peer, which allows every
    destination (Kubernetes NetworkPolicy API: an empty or missing `to` matches all destinations)."""
    networks: list[Network] = []
    rules = policy.known("spec.egress", []) or []
    for i, rule in enumerate(rules):
        peers = policy.known(f"spec.egress.{i}.to", []) or []
        if not peers:
            return None
        for j, peer in enumerate(peers):
            block = policy.known(f"spec.egress.{i}.to.{j}.ipBlock", None)
            if block is None:
                continue  # a pod or namespace selector: pods of the cluster, not the internet
            where = f"spec.egress.{i}.to.{j}.ipBlock"
            allowed = [parse_cidr(policy.known(f"{where}.cidr"), f"{where}.cidr")]
            for k, excluded in enumerate(policy.known(f"{where}.except", []) or []):
                cut = parse_cidr(excluded, f"{where}.except.{k}")
                allowed = [part for net in allowed for part in (
                    net.address_exclude(cut) if net.version == cut.version and cut.subnet_of(net)
                    else [] if net.version == cut.version and net.subnet_of(cut) else [net])]
            networks += allowed
    return networks


def _judge_no_internet_egress(zone: str, _: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    """In-cluster: no NetworkPolicy (any version, patch or List item) in a namespace permitting a
    class that prohibits external LLM calls lets pods reach the internet: an egress rule without
    peers, or `ipBlock`s that add up to the internet (regulated_ai/addresses.py)."""
    rules = stack.settings.data_class_policy
    namespaces, problems = _namespaces(zone, stack)
    yield from problems
    for resource in stack.of_type(*NETWORK_POLICY_TYPES):
        try:
            for policy in objects(resource):
                namespace = policy.known("metadata.namespace")
                entry = namespaces.get(namespace)
                if entry is None or not any(c in rules and rules[c].prohibit_external_llm_calls for c in entry[1]):
                    continue
                networks = _egress_networks(policy)
                reached = ["every destination (an egress rule without peers)"] if networks is None \
                    else internet_admitted(networks)
                for internet in reached:
                    yield resource.urn, (f"NetworkPolicy '{policy.name}' lets pods of '{namespace}' reach {internet}, "
                                         f"but a data class it permits prohibits external LLM calls (zone '{zone}').")
        except Unverifiable as missing:
            yield resource.urn, _unverifiable(resource, missing.path)
        except InvalidValue as invalid:
            yield resource.urn, f"'{resource.name}' ({resource.type}): {invalid}, so its egress cannot be judged."


# Program -> requirement -> how it is judged from the resources that program owns. Audit logging and
# redacted logs are the zone program's (trail, log groups); the in-cluster program is judged on its
# namespaces' isolation and egress, the zone program on the rest.
_JUDGES: dict[str, dict[str, Judge]] = {
    "zone": {
        "require_private_ingress": _judge_private_ingress,
        "require_audit_logging": _judge_audit_logging,
        "require_network_segmentation": _judge_segmentation,
        "prohibit_external_llm_calls": _judge_no_llm_egress,
        "require_redacted_logs": _judge_redacted_logs,
    },
    "incluster": {
        "require_private_ingress": _judge_private_ingress,
        "require_network_segmentation": _judge_namespace_segmentation,
        "prohibit_external_llm_calls": _judge_no_internet_egress,
    },
}
# Resources only the zone program creates: a stack holding them is not an in-cluster stack.
ZONE_PROGRAM_TYPES = (VPC, CLOUDTRAIL_TRAIL, EKS_CLUSTER, *KMS_KEYS, RULE_GROUP)
_REQUIREMENT_TYPES = frozenset({*ZONE_PROGRAM_TYPES, *NETWORK_BRIDGES, LOG_GROUP, *NAMESPACE_TYPES,
                                *NETWORK_POLICY_TYPES})


def judges_zone_requirements(type_token: str) -> bool:
    """Types the zone requirements read: what exposes a zone (regulated_ai/exposure.py), the zone
    program's trail, VPC, bridges, allow-lists and log groups, and the in-cluster program's namespaces
    and NetworkPolicies (every version, patches and Lists)."""
    return exposure.exposes(type_token) or type_token in _REQUIREMENT_TYPES


def zone_memberships(stack: StackView) -> tuple[dict[str, set[str]], dict[str, list[ResourceView]], list[Finding]]:
    """Each zone's data classes (registry `data_classes` plus what its resources carry), its resources, and
    the resources whose placement cannot be read."""
    classes: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[ResourceView]] = defaultdict(list)
    problems: list[Finding] = []
    for name, entry in stack.settings.zones.items():
        classes[name].update(entry.data_classes)
    for placed, problem in placements(stack):
        if problem is not None:
            problems.append(problem)
        elif placed is not None and placed.zone:
            members[placed.zone].append(placed.resource)
            classes[placed.zone].update(placed.classes)
    return classes, members, problems


def zones_requiring(stack: StackView, requirement: str) -> tuple[set[str], list[Finding]]:
    """The zones whose data classes carry `requirement` (a DataClassRule flag such as require_private_ingress;
    a class data_class_policy does not define counts as requiring it: fail closed, placement reports it), and
    the resources whose zone or classes cannot be read, which may add a zone or a class to that set."""
    classes, _, problems = zone_memberships(stack)
    policy = stack.settings.data_class_policy
    return {zone for zone, held in classes.items()
            if any(c not in policy or getattr(policy[c], requirement) for c in held)}, problems


@stack_policy(
    "zone-data-class-requirements",
    description="Every zone meets the requirements its data classes carry (private ingress, audit logging, "
                "network segmentation, no external LLM calls, redacted logs).",
    controls=["RAZ-DCP-002"], types=judges_zone_requirements)
def zone_data_class_requirements(stack: StackView) -> Iterator[Finding]:
    settings = stack.settings
    if settings.program == "incluster":
        for r in stack.of_type(*ZONE_PROGRAM_TYPES):
            yield r.urn, (f"'{r.name}' ({r.type}) belongs to the zone program, but the pack config judges this "
                          "stack as the in-cluster program (program: incluster); derive the pack config for "
                          "the stack's own program (`regzone pack-config --program DIR`).")
    classes, members, problems = zone_memberships(stack)
    yield from problems
    for zone in sorted(classes):
        rules = [settings.data_class_policy[c] for c in sorted(classes[zone]) if c in settings.data_class_policy]
        for requirement, judge in _JUDGES[settings.program].items():
            if any(getattr(rule, requirement) for rule in rules):
                yield from judge(zone, members[zone], stack)
