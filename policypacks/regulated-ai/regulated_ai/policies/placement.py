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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from regulated_ai import exposure
from regulated_ai.framework import ResourceView, StackView, stack_policy
from regulated_ai.kubernetes_objects import objects
from regulated_ai.policies.tagging import effective_tags, is_aws_resource
from regulated_ai.settings import Settings
from regulated_ai.types import (CLOUDTRAIL_TRAIL, K8S_LISTS, K8S_POD_TEMPLATE_PATHS, K8S_SERVICES, LOG_ACCOUNT_POLICY,
                                LOG_GROUP, VPC)
from regulated_ai.values import InvalidValue, Unverifiable, is_unknown
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


def _labels(resource: ResourceView) -> dict:
    labels: dict = {}
    for path in WORKLOAD_LABELS[resource.type]:
        found = resource.known(path, None)
        if found is not None and not isinstance(found, dict):
            raise ValueError(f"`{path}` is not a map of labels")
        labels.update(found or {})
    return labels


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
            raise Unverifiable(f"tags.{key}")
        if value is not None and not isinstance(value, str):
            raise ValueError(f"the {key} tag is not a string: {value!r:.60}")
    parsed = parse_data_class_tag(classes.replace(separator, "+")) if classes else []
    return Placed(resource, zone or None, parsed)


def _unverifiable(resource: ResourceView, path: str) -> str:
    return (f"'{resource.name}' ({resource.type}): `{path}` is unknown until deployment, so placement "
            "and zone requirements cannot be verified at preview. Give it a literal value.")


def _placements(stack: StackView) -> Iterator[tuple[Placed | None, tuple[str, str] | None]]:
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
    for placed, problem in _placements(stack):
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
            raise Unverifiable(f"{path}.{i}")
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
        if isinstance(name, str) and not is_unknown(name):
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
                raise Unverifiable("tags.log-tier")
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
            continue
        if tier not in LOG_TIERS:
            yield r.urn, (f"log group '{r.name}' has no log-tier tag ({', '.join(LOG_TIERS)}): zone '{zone}' "
                          "requires redacted logs, so every log group must say what it holds.")
        elif tier == "sensitive" and not (account_wide or r.urn in urns or r.get("name") in names):
            yield r.urn, (f"log group '{r.name}' holds sensitive payloads in zone '{zone}', which requires "
                          "redacted logs: attach a CloudWatch Logs data protection policy that de-identifies.")


_REQUIREMENT_TYPES = frozenset({CLOUDTRAIL_TRAIL, VPC, *NETWORK_BRIDGES, RULE_GROUP, LOG_GROUP})


def judges_zone_requirements(type_token: str) -> bool:
    """Types the zone requirements read: what exposes a zone (regulated_ai/exposure.py) and the rest."""
    return exposure.exposes(type_token) or type_token in _REQUIREMENT_TYPES


# Requirement -> how it is judged from the zone's resources.
_JUDGES: dict[str, Judge] = {
    "require_private_ingress": _judge_private_ingress,
    "require_audit_logging": _judge_audit_logging,
    "require_network_segmentation": _judge_segmentation,
    "prohibit_external_llm_calls": _judge_no_llm_egress,
    "require_redacted_logs": _judge_redacted_logs,
}


def zone_memberships(stack: StackView) -> tuple[dict[str, set[str]], dict[str, list[ResourceView]], list[Finding]]:
    """Each zone's data classes (registry `data_classes` plus what its resources carry), its resources, and
    the resources whose placement cannot be read."""
    classes: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[ResourceView]] = defaultdict(list)
    problems: list[Finding] = []
    for name, entry in stack.settings.zones.items():
        classes[name].update(entry.data_classes)
    for placed, problem in _placements(stack):
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
    classes, members, problems = zone_memberships(stack)
    yield from problems
    for zone in sorted(classes):
        rules = [settings.data_class_policy[c] for c in sorted(classes[zone]) if c in settings.data_class_policy]
        for requirement, judge in _JUDGES.items():
            if any(getattr(rule, requirement) for rule in rules):
                yield from judge(zone, members[zone], stack)
