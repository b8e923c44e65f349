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

from components.k8s.labels import DATA_CLASS_PREFIX, NAMESPACE_PERMITS, ZONE_LABEL
from regulated_ai.framework import ResourceView, StackView, stack_policy
from regulated_ai.policies.kubernetes import is_default_deny
from regulated_ai.policies.tagging import effective_tags, is_aws_resource
from regulated_ai.types import K8S_NAMESPACE, K8S_NETWORK_POLICIES
from regulated_ai.settings import Settings
from regulated_ai.values import Unverifiable, is_unknown
from regzone.tags import TAG_DATA_CLASS, TAG_ZONE, parse_data_class_tag

# Pod-bearing Kubernetes kinds and where their labels live (label values cannot hold '+', so
# several classes are joined with '.').
_POD = ("metadata.labels", "spec.template.metadata.labels")
WORKLOAD_LABELS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("metadata.labels",),
    "kubernetes:apps/v1:Deployment": _POD, "kubernetes:apps/v1:StatefulSet": _POD,
    "kubernetes:apps/v1:DaemonSet": _POD, "kubernetes:apps/v1:ReplicaSet": _POD,
    "kubernetes:batch/v1:Job": _POD,
    "kubernetes:batch/v1:CronJob": ("metadata.labels", "spec.jobTemplate.spec.template.metadata.labels"),
    "kubernetes:core/v1:Service": ("metadata.labels",),
}
K8S_SERVICE = "kubernetes:core/v1:Service"
_INTERNAL_LB_ANNOTATIONS = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                            "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                  "aws:elb/loadBalancer:LoadBalancer")
TRAIL = "aws:cloudtrail/trail:Trail"
VPC = "aws:ec2/vpc:Vpc"
NETWORK_BRIDGES = ("aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                   "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                   "aws:ec2transitgateway/vpcAttachment:VpcAttachment")
RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_PROTECTION = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy"
LOG_ACCOUNT_POLICY = "aws:cloudwatch/logAccountPolicy:LogAccountPolicy"
LOG_TIERS = ("operational", "audit", "sensitive")
_ANYWHERE = ("0.0.0.0/0", "::/0")


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
            yield place(resource), None
        except Unverifiable as missing:
            yield None, (resource.urn, _unverifiable(resource, missing.path))
        except ValueError as err:
            yield None, (resource.urn, f"'{resource.name}' ({resource.type}): {err}")


@stack_policy(
    "data-class-placement",
    description="A resource or workload may only hold data classes that data_class_policy allows in its zone.",
    controls=["RAZ-DCP-001"])
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


def _public_ingress(resource: ResourceView) -> str | None:
    """Why a resource opens the zone to inbound internet traffic, or None."""
    t = resource.type
    if t in LOAD_BALANCERS and resource.known("internal", False) is not True:
        return "is an internet-facing load balancer (set internal=True)"
    if t == "aws:ec2/subnet:Subnet" and resource.known("mapPublicIpOnLaunch", False) is True:
        return "gives instances public IPs (mapPublicIpOnLaunch)"
    if t == "aws:ec2/instance:Instance" and resource.known("associatePublicIpAddress", False) is True:
        return "has a public IP"
    if t == "aws:ec2/launchTemplate:LaunchTemplate":
        interfaces = resource.known("networkInterfaces", []) or []
        for i in range(len(interfaces) if isinstance(interfaces, list) else 0):
            if str(resource.known(f"networkInterfaces.{i}.associatePublicIpAddress", "false")).lower() == "true":
                return "launches instances with public IPs"
    if t == "aws:eks/cluster:Cluster" and resource.known("vpcConfig.endpointPublicAccess", True) is not False:
        return "has a public Kubernetes API endpoint (AWS enables it unless endpointPublicAccess=false)"
    if t == "aws:ec2/securityGroup:SecurityGroup":
        rules = resource.known("ingress", []) or []
        for i in range(len(rules) if isinstance(rules, list) else 0):
            if _open_cidrs(resource, f"ingress.{i}.cidrBlocks", f"ingress.{i}.ipv6CidrBlocks"):
                return "allows ingress from anywhere"
    if t == "aws:ec2/securityGroupRule:SecurityGroupRule" and resource.known("type", None) == "ingress":
        if _open_cidrs(resource, "cidrBlocks", "ipv6CidrBlocks"):
            return "allows ingress from anywhere"
    if t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        if resource.known("cidrIpv4", None) in _ANYWHERE or resource.known("cidrIpv6", None) in _ANYWHERE:
            return "allows ingress from anywhere"
    if t == K8S_SERVICE and resource.known("spec.type", "ClusterIP") == "LoadBalancer":
        annotations = resource.known("metadata.annotations", {}) or {}
        internal = isinstance(annotations, dict) and any(
            str(annotations.get(k, "")).lower() == v for k, v in _INTERNAL_LB_ANNOTATIONS.items())
        if not internal:
            return "is a LoadBalancer Service without the internal-scheme annotation"
    return None


def _known_strings(resource: ResourceView, path: str) -> list:
    """A list property whose every element must be known (one unknown CIDR could be 0.0.0.0/0)."""
    values = resource.known(path, []) or []
    if not isinstance(values, list):
        return []
    for i, value in enumerate(values):
        if is_unknown(value):
            raise Unverifiable(f"{path}.{i}")
    return values


def _open_cidrs(resource: ResourceView, *paths: str) -> bool:
    return any(c in _ANYWHERE for path in paths for c in _known_strings(resource, path))


def _judge_private_ingress(zone: str, members: list[ResourceView], _: StackView) -> Iterator[Finding]:
    for r in members:
        try:
            reason = _public_ingress(r)
        except Unverifiable as missing:
            yield r.urn, _unverifiable(r, missing.path)
            continue
        if reason:
            yield r.urn, f"'{r.name}' ({r.type}) {reason}, but zone '{zone}' requires private ingress."


def _judge_audit_logging(zone: str, members: list[ResourceView], _: StackView) -> Iterator[Finding]:
    logging = []
    for r in members:
        if r.type != TRAIL:
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


def _namespaces(zone: str, stack: StackView) -> dict[str, tuple[ResourceView, set[str]]]:
    """The in-cluster namespaces of `zone`: name -> (namespace, data classes it permits)."""
    found = {}
    for ns in stack.of_type(K8S_NAMESPACE):
        labels = ns.known("metadata.labels", {}) or {}
        if labels.get(ZONE_LABEL) == zone:
            found[ns.known("metadata.name", ns.name)] = (ns, {
                k.removeprefix(DATA_CLASS_PREFIX) for k, v in labels.items()
                if k.startswith(DATA_CLASS_PREFIX) and v == NAMESPACE_PERMITS})
    return found


def _judge_namespace_segmentation(zone: str, _: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    """In-cluster: the zone has namespaces, and each denies all traffic by default."""
    namespaces = _namespaces(zone, stack)
    if not namespaces:
        yield "", (f"zone '{zone}' requires network segmentation but the in-cluster stack creates no namespace "
                   f"labelled {ZONE_LABEL}={zone}.")
    denied = {p.known("metadata.namespace") for p in stack.of_type(*K8S_NETWORK_POLICIES) if is_default_deny(p)}
    for name, (ns, _classes) in sorted(namespaces.items()):
        if name not in denied:
            yield ns.urn, (f"namespace '{name}' of zone '{zone}', which requires network segmentation, has no "
                           "default-deny NetworkPolicy.")


def _judge_no_internet_egress(zone: str, _: list[ResourceView], stack: StackView) -> Iterator[Finding]:
    """In-cluster: no namespace permitting a class that prohibits external LLM calls lets pods
    send to any address (the egress allow-list path)."""
    rules = stack.settings.data_class_policy
    namespaces = _namespaces(zone, stack)
    for policy in stack.of_type(*K8S_NETWORK_POLICIES):
        try:
            namespace = policy.known("metadata.namespace")
            entry = namespaces.get(namespace)
            if entry is None or not any(c in rules and rules[c].prohibit_external_llm_calls for c in entry[1]):
                continue
            cidrs = [(peer.get("ipBlock") or {}).get("cidr") for rule in policy.known("spec.egress", []) or []
                     for peer in rule.get("to", []) or []]
        except Unverifiable as missing:
            yield policy.urn, _unverifiable(policy, missing.path)
            continue
        if any(is_unknown(c) for c in cidrs):
            yield policy.urn, _unverifiable(policy, "spec.egress")
        elif set(cidrs) & set(_ANYWHERE):
            yield policy.urn, (f"NetworkPolicy '{policy.name}' lets pods of '{namespace}' reach any address, "
                               f"but a data class it permits prohibits external LLM calls (zone '{zone}').")


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
ZONE_PROGRAM_TYPES = (VPC, TRAIL, "aws:eks/cluster:Cluster", "aws:kms/key:Key", RULE_GROUP)


@stack_policy(
    "zone-data-class-requirements",
    description="Every zone meets the requirements its data classes carry (private ingress, audit logging, "
                "network segmentation, no external LLM calls, redacted logs).",
    controls=["RAZ-DCP-002"])
def zone_data_class_requirements(stack: StackView) -> Iterator[Finding]:
    settings = stack.settings
    if settings.program == "incluster":
        for r in stack.of_type(*ZONE_PROGRAM_TYPES):
            yield r.urn, (f"'{r.name}' ({r.type}) belongs to the zone program, but the pack config judges this "
                          "stack as the in-cluster program (program: incluster); derive the pack config for "
                          "the stack's own program (`regzone pack-config --program DIR`).")
    classes: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[ResourceView]] = defaultdict(list)
    for name, entry in settings.zones.items():
        classes[name].update(entry.data_classes)
    for placed, problem in _placements(stack):
        if problem is not None:
            yield problem
        elif placed is not None and placed.zone:
            members[placed.zone].append(placed.resource)
            classes[placed.zone].update(placed.classes)
    for zone in sorted(classes):
        rules = [settings.data_class_policy[c] for c in sorted(classes[zone]) if c in settings.data_class_policy]
        for requirement, judge in _JUDGES[settings.program].items():
            if any(getattr(rule, requirement) for rule in rules):
                yield from judge(zone, members[zone], stack)
