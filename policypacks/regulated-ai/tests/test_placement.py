"""Data-class placement and zone requirements (seed 001 data_class_policy) over the real pack.

One configured pack per module (settings as `regzone pack-config` writes them); a compliant
four-zone baseline passes, and each one-resource change fires its rule or reports an unknown.
"""
import json

import pytest

from analyzer_helpers import resource, stack_violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PLACEMENT, REQUIREMENTS = "data-class-placement", "zone-data-class-requirements"
SETTINGS = {
    "allowed_regions": ["eu-west-1", "eu-central-1", "us-east-1"],
    "zones": {
        "regulated-ai-eu": {"regions": ["eu-west-1", "eu-central-1"], "data_classes": ["personal_data"]},
        "hipaa-ai": {"regions": ["us-east-1"], "data_classes": ["ephi"]},
        "pci-ai": {"regions": ["us-east-1"], "data_classes": ["cardholder_data"],
                   "egress_allowed_destinations": ["updates.example.com"]},
        "standard-ai": {"regions": ["eu-west-1"], "data_classes": ["public"]},
    },
    "data_class_policy": {
        "public": {"allowed_zones": ["standard-ai"]},
        "personal_data": {"allowed_zones": ["regulated-ai-eu"], "require_redacted_logs": True},
        "ephi": {"allowed_zones": ["hipaa-ai"], "require_private_ingress": True, "require_audit_logging": True},
        "cardholder_data": {"allowed_zones": ["pci-ai"], "require_network_segmentation": True,
                            "prohibit_external_llm_calls": True},
    },
}
CLASS_OF = {"regulated-ai-eu": "personal_data", "hipaa-ai": "ephi", "pci-ai": "cardholder_data",
            "standard-ai": "public"}
DEIDENTIFY = json.dumps({"Name": "redact", "Version": "2021-06-01", "Statement": [
    {"Sid": "audit", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
     "Operation": {"Audit": {"FindingsDestination": {}}}},
    {"Sid": "redact", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
     "Operation": {"Deidentify": {"MaskConfig": {}}}}]})


@pytest.fixture(scope="module")
def gate():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: SETTINGS for p in policies})
        yield client


def in_zone(type_token, props, zone, *, name, data_class=None, region=None, **kwargs):
    """A resource on the zone's provider: zone and data class come from its default tags."""
    tags = {"zone": zone, "data-class": data_class or CLASS_OF[zone]}
    region = region or SETTINGS["zones"][zone]["regions"][0]
    return resource(type_token, props, name=name, provider_props={
        "region": region, "defaultTags": json.dumps({"tags": tags})}, **kwargs)


def workload(zone_label, data_class_label, *, name="scorer"):
    labels = {"zone": zone_label, "data-class": data_class_label}
    return resource("kubernetes:apps/v1:Deployment", {
        "metadata": {"name": name, "labels": labels},
        "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c"}]}}}}, name=name)


def baseline():
    return {
        "trail": in_zone("aws:cloudtrail/trail:Trail", {"enableLogging": True, "isMultiRegionTrail": True},
                         "hipaa-ai", name="hipaa-trail"),
        "lb": in_zone("aws:lb/loadBalancer:LoadBalancer", {"internal": True}, "hipaa-ai", name="hipaa-lb"),
        "eks": in_zone("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": False}}, "hipaa-ai",
                       name="hipaa-eks"),
        "sg": in_zone("aws:ec2/securityGroup:SecurityGroup", {"ingress": [{"cidrBlocks": ["10.0.0.0/16"]}]},
                      "hipaa-ai", name="hipaa-sg"),
        "vpc": in_zone("aws:ec2/vpc:Vpc", {"cidrBlock": "10.50.0.0/16"}, "pci-ai", name="pci-vpc"),
        "allowlist": in_zone("aws:networkfirewall/ruleGroup:RuleGroup", {"type": "STATEFUL", "ruleGroup": {
            "rulesSource": {"rulesSourceList": {"generatedRulesType": "ALLOWLIST", "targetTypes": ["TLS_SNI"],
                                                "targets": ["updates.example.com"]}}}}, "pci-ai", name="pci-allow"),
        "audit-logs": in_zone("aws:cloudwatch/logGroup:LogGroup", {"name": "/eu/audit", "tags": {"log-tier": "audit"}},
                              "regulated-ai-eu", name="eu-audit"),
        "payload-logs": in_zone("aws:cloudwatch/logGroup:LogGroup",
                                {"name": "/eu/payloads", "tags": {"log-tier": "sensitive"}},
                                "regulated-ai-eu", name="eu-payloads"),
        "redaction": in_zone("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
                             {"logGroupName": "/eu/payloads", "policyDocument": DEIDENTIFY},
                             "regulated-ai-eu", name="eu-redaction"),
        "workload": workload("regulated-ai-eu", "personal_data"),
        "public-site": in_zone("aws:s3/bucket:Bucket", {}, "standard-ai", name="site"),
    }


def judge(gate, policy, **changes):
    resources = {**baseline(), **changes}
    return stack_violations(gate, policy, [r for r in resources.values() if r is not None])


@pytest.mark.parametrize("policy", [PLACEMENT, REQUIREMENTS])
def test_compliant_baseline_passes(gate, policy):
    assert judge(gate, policy) == []


def test_data_class_in_a_zone_it_is_not_allowed_in_fires(gate):
    found = judge(gate, PLACEMENT, extra=in_zone("aws:s3/bucket:Bucket", {}, "pci-ai", name="x", data_class="ephi"))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "'ephi' in zone 'pci-ai'" in found[0].message and "RAZ-DCP-001" in found[0].message
    assert found[0].urn.endswith("::x")


def test_resource_tag_overrides_the_providers_data_class(gate):
    bucket = resource("aws:s3/bucket:Bucket", {"tags": {"data-class": "cardholder_data"}}, name="b", provider_props={
        "region": "eu-west-1", "defaultTags": json.dumps({"tags": {"zone": "standard-ai", "data-class": "public"}})})
    found = judge(gate, PLACEMENT, extra=bucket)
    assert [d.urn.endswith("::b") for d in found] == [True] and "'cardholder_data'" in found[0].message


def test_several_classes_in_one_tag_are_each_judged(gate):
    found = judge(gate, PLACEMENT, extra=in_zone("aws:s3/bucket:Bucket", {}, "standard-ai", name="x",
                                                 data_class="ephi+public"))
    assert len(found) == 1 and "'ephi'" in found[0].message


def test_undefined_data_class_fires(gate):
    found = judge(gate, PLACEMENT, extra=in_zone("aws:s3/bucket:Bucket", {}, "pci-ai", name="x", data_class="genomes"))
    assert found and "does not define" in found[0].message


def test_data_without_a_zone_fires(gate):
    orphan = resource("aws:s3/bucket:Bucket", {"tags": {"data-class": "ephi"}}, name="orphan")
    found = judge(gate, PLACEMENT, extra=orphan)
    assert found and "names no zone" in found[0].message


def test_unregistered_zone_fires(gate):
    found = judge(gate, PLACEMENT, extra=in_zone("aws:s3/bucket:Bucket", {}, "standard-ai", name="x"),
                  shadow=resource("aws:s3/bucket:Bucket", {"tags": {"zone": "shadow-ai", "data-class": "public"}},
                                  name="shadow"))
    assert any("not in the zone registry" in d.message for d in found)


def test_kubernetes_workload_label_is_judged(gate):
    found = judge(gate, PLACEMENT, workload=workload("standard-ai", "public.ephi"))
    assert len(found) == 1 and "'ephi' in zone 'standard-ai'" in found[0].message


def test_unknown_zone_tag_is_reported_not_passed(gate):
    found = judge(gate, PLACEMENT, extra=resource("aws:s3/bucket:Bucket", {"tags": {"zone": UNKNOWN_STRING}},
                                                  name="late"))
    assert found and "unknown until deployment" in found[0].message and found[0].enforcement == "mandatory"


def test_missing_audit_trail_fires(gate):
    found = judge(gate, REQUIREMENTS, trail=None)
    assert len(found) == 1 and "zone 'hipaa-ai' requires audit logging" in found[0].message


def test_trail_with_logging_off_fires(gate):
    found = judge(gate, REQUIREMENTS, trail=in_zone("aws:cloudtrail/trail:Trail", {"enableLogging": False},
                                                    "hipaa-ai", name="hipaa-trail"))
    assert found and "requires audit logging" in found[0].message


@pytest.mark.parametrize("key, replacement, expected", [
    ("lb", ("aws:lb/loadBalancer:LoadBalancer", {}), "internet-facing load balancer"),
    ("lb", ("aws:alb/loadBalancer:LoadBalancer", {"internal": False}), "internet-facing load balancer"),
    ("eks", ("aws:eks/cluster:Cluster", {"vpcConfig": {}}), "public Kubernetes API endpoint"),
    ("sg", ("aws:ec2/securityGroup:SecurityGroup", {"ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]}),
     "admits the IPv4 internet"),
    ("sg", ("aws:ec2/securityGroup:SecurityGroup", {"ingress": [{"cidrBlocks": ["0.0.0.0/1"]},
                                                                {"cidrBlocks": ["128.0.0.0/1"]}]}),
     "admits the IPv4 internet"),
    ("sg", ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {"cidrIpv6": "::/0"}),
     "admits the IPv6 internet"),
    ("sg", ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": True}), "public IPs"),
    ("sg", ("aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": "1"}), "public IPs"),
    ("sg", ("aws:ec2/launchTemplate:LaunchTemplate",
            {"networkInterfaces": [{"associatePublicIpAddress": "true"}]}), "gets a public address"),
    # Siblings judged exactly as the network policies judge them (regulated_ai/exposure.py).
    ("sg", ("aws:ecs/service:Service", {"networkConfiguration": {"assignPublicIp": True}}), "gets a public address"),
    ("sg", ("aws:sagemaker/notebookInstance:NotebookInstance", {}), "directInternetAccess is not set"),
    ("sg", ("aws:ec2/eip:Eip", {"instance": "i-1"}), "gets a public address"),
    ("lb", ("aws:elasticloadbalancingv2/loadBalancer:LoadBalancer", {"internal": "false"}),
     "internet-facing load balancer"),
])
def test_public_ingress_in_a_private_zone_fires(gate, key, replacement, expected):
    type_token, props = replacement
    found = judge(gate, REQUIREMENTS, **{key: in_zone(type_token, props, "hipaa-ai", name="door")})
    assert len(found) == 1 and expected in found[0].message and found[0].urn.endswith("::door")


def test_public_kubernetes_service_fires_and_internal_one_passes(gate):
    def service(annotations, **spec):
        return resource("kubernetes:core/v1:Service", {
            "metadata": {"labels": {"zone": "hipaa-ai", "data-class": "ephi"}, "annotations": annotations},
            "spec": {"type": "LoadBalancer", **spec}}, name="svc")
    internal = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
    # Without the controller's class the in-tree controller provisions it, ignoring the annotation.
    for exposed in (service({}), service(internal)):
        assert "not an internal NLB" in judge(gate, REQUIREMENTS, svc=exposed)[0].message
    assert judge(gate, REQUIREMENTS, svc=service(internal, loadBalancerClass="service.k8s.aws/nlb")) == []


def test_public_ingress_outside_private_zones_is_not_this_rule(gate):
    assert judge(gate, REQUIREMENTS, extra=in_zone("aws:lb/loadBalancer:LoadBalancer", {}, "standard-ai",
                                                   name="site-lb")) == []


def test_unknown_ingress_cidr_is_reported(gate):
    found = judge(gate, REQUIREMENTS, sg=in_zone("aws:ec2/securityGroup:SecurityGroup",
                                                 {"ingress": [{"cidrBlocks": [UNKNOWN_STRING]}]}, "hipaa-ai", name="sg"))
    assert found and "ingress.0.cidrBlocks.0" in found[0].message and "unknown until deployment" in found[0].message


def test_segmented_zone_without_vpc_fires(gate):
    found = judge(gate, REQUIREMENTS, vpc=None)
    assert len(found) == 1 and "no VPC of its own" in found[0].message


def test_peering_out_of_a_segmented_zone_fires(gate):
    found = judge(gate, REQUIREMENTS, peer=in_zone("aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                                                   {"vpcId": "vpc-1", "peerVpcId": "vpc-2"}, "pci-ai", name="peer"))
    assert len(found) == 1 and "connects zone 'pci-ai'" in found[0].message


@pytest.mark.parametrize("target", ["api.openai.com", "*.openai.azure.com", "myres.openai.azure.com",
                                    ".anthropic.com", "*.com", "us-central1-aiplatform.googleapis.com"])
def test_llm_api_in_the_firewall_allow_list_fires(gate, target):
    rule_group = in_zone("aws:networkfirewall/ruleGroup:RuleGroup", {"ruleGroup": {"rulesSource": {
        "rulesSourceList": {"generatedRulesType": "ALLOWLIST", "targets": ["updates.example.com", target]}}}},
        "pci-ai", name="pci-allow")
    found = judge(gate, REQUIREMENTS, allowlist=rule_group)
    assert len(found) == 1 and f"'{target}'" in found[0].message and "prohibits external LLM calls" in found[0].message


def test_llm_api_on_a_deny_list_passes(gate):
    rule_group = in_zone("aws:networkfirewall/ruleGroup:RuleGroup", {"ruleGroup": {"rulesSource": {
        "rulesSourceList": {"generatedRulesType": "DENYLIST", "targets": ["api.openai.com"]}}}}, "pci-ai", name="deny")
    assert judge(gate, REQUIREMENTS, allowlist=rule_group) == []


def test_llm_api_in_a_suricata_pass_rule_fires(gate):
    rules = 'pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; content:"api.anthropic.com"; sid:1;)'
    rule_group = in_zone("aws:networkfirewall/ruleGroup:RuleGroup", {"ruleGroup": {"rulesSource": {
        "rulesString": rules}}}, "pci-ai", name="suricata")
    assert "'api.anthropic.com'" in judge(gate, REQUIREMENTS, allowlist=rule_group)[0].message


def test_unknown_allow_list_is_reported(gate):
    rule_group = in_zone("aws:networkfirewall/ruleGroup:RuleGroup", {"ruleGroup": {"rulesSource": {
        "rulesSourceList": {"generatedRulesType": "ALLOWLIST", "targets": [UNKNOWN_STRING]}}}}, "pci-ai", name="late")
    found = judge(gate, REQUIREMENTS, allowlist=rule_group)
    assert found and "unknown until deployment" in found[0].message


def test_log_group_without_tier_fires_in_a_redacted_zone(gate):
    found = judge(gate, REQUIREMENTS, **{"audit-logs": in_zone("aws:cloudwatch/logGroup:LogGroup", {"name": "/eu/x"},
                                                               "regulated-ai-eu", name="eu-untiered")})
    assert len(found) == 1 and "no log-tier tag" in found[0].message


def test_sensitive_log_group_without_deidentification_fires(gate):
    found = judge(gate, REQUIREMENTS, redaction=None)
    assert len(found) == 1 and "holds sensitive payloads" in found[0].message


def test_data_protection_found_through_property_dependency(gate):
    payloads = baseline()["payload-logs"]
    unnamed = in_zone("aws:cloudwatch/logGroup:LogGroup", {"tags": {"log-tier": "sensitive"}}, "regulated-ai-eu",
                      name="eu-payloads")
    redaction = in_zone("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
                        {"logGroupName": UNKNOWN_STRING, "policyDocument": DEIDENTIFY}, "regulated-ai-eu",
                        name="eu-redaction", property_dependencies={"logGroupName": [payloads.urn]})
    assert judge(gate, REQUIREMENTS, **{"payload-logs": unnamed, "redaction": redaction}) == []


def test_requirements_come_from_resource_tags_too(gate):
    """A zone with no registered data classes still gets the rules of the data it holds."""
    found = judge(gate, REQUIREMENTS, extra=in_zone("aws:lb/loadBalancer:LoadBalancer", {}, "standard-ai",
                                                    name="lb", data_class="ephi"))
    assert any("zone 'standard-ai' requires audit logging" in d.message for d in found)


# --- Which program the stack is (issue 20): the in-cluster stack is judged on what it owns -------------
INCLUSTER = {**SETTINGS, "program": "incluster"}


@pytest.fixture(scope="module")
def incluster_gate():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone-incluster", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: INCLUSTER for p in policies})
        yield client


def namespace(zone, data_class, name):
    return resource("kubernetes:core/v1:Namespace", {"metadata": {"name": name, "labels": {
        "regzone.io/zone": zone, f"data-class.regzone.io/{data_class}": "permitted"}}}, name=name)


def network_policy(namespace_name, policy_name, spec):
    return resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", {
        "metadata": {"name": policy_name, "namespace": namespace_name}, "spec": spec},
        name=f"{namespace_name}-{policy_name}")


DENY = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
INTERNET = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
    "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}], "ports": [{"protocol": "TCP", "port": 443}]}]}


def incluster_stack(*extra):
    """What the in-cluster program creates for each zone: a role (tagged with the zone) and a
    namespace per zone with its default deny."""
    found = []
    for zone in SETTINGS["zones"]:
        found += [in_zone("aws:iam/role:Role", {"assumeRolePolicy": "{}"}, zone, name=f"{zone}-workload-role"),
                  namespace(zone, CLASS_OF[zone], f"{zone}-training"),
                  network_policy(f"{zone}-training", "default-deny", DENY)]
    return found + list(extra)


def test_incluster_stack_is_not_asked_for_the_zone_programs_trail_and_vpc(gate, incluster_gate):
    """Judged as a zone stack it lacks a trail and a VPC (what `pulumi preview --policy-pack` on the
    in-cluster stack of a regulated zone reported); judged as the in-cluster program it is compliant."""
    as_zone = stack_violations(gate, REQUIREMENTS, incluster_stack())
    assert any("no CloudTrail trail" in d.message for d in as_zone)
    assert any("no VPC of its own" in d.message for d in as_zone)
    assert stack_violations(incluster_gate, REQUIREMENTS, incluster_stack()) == []


def test_incluster_namespace_without_default_deny_fires(incluster_gate):
    resources = [r for r in incluster_stack() if r.name != "pci-ai-training-default-deny"]
    found = stack_violations(incluster_gate, REQUIREMENTS, resources)
    assert [d.message for d in found if "pci-ai-training" in d.message and "default-deny" in d.message]
    no_namespace = [r for r in incluster_stack() if not r.name.startswith("pci-ai-training")]
    assert any("creates no namespace" in d.message
               for d in stack_violations(incluster_gate, REQUIREMENTS, no_namespace))


def test_incluster_internet_egress_where_llm_calls_are_prohibited_fires(incluster_gate):
    found = stack_violations(incluster_gate, REQUIREMENTS,
                             incluster_stack(network_policy("pci-ai-training", "allow-egress-allow-list", INTERNET)))
    assert any("prohibits external LLM calls" in d.message for d in found)
    # A zone whose classes allow it may keep its allow-list path.
    assert stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(
        network_policy("regulated-ai-eu-training", "allow-egress-allow-list", INTERNET))) == []


def test_a_zone_stack_claiming_to_be_incluster_is_refused(incluster_gate):
    """`program: incluster` must not excuse a zone stack from its trail."""
    vpc = in_zone("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, "hipaa-ai", name="hipaa-vpc")
    found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(vpc))
    assert any("belongs to the zone program" in d.message for d in found)


def test_incluster_egress_unknown_at_preview_is_reported(incluster_gate):
    unknown = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": UNKNOWN_STRING}}]}]}
    found = stack_violations(incluster_gate, REQUIREMENTS,
                             incluster_stack(network_policy("pci-ai-training", "allow-later", unknown)))
    assert any("unknown until deployment" in d.message for d in found)


# --- The in-cluster judges read every kind of namespace and NetworkPolicy (gate coverage, issue 13) -----
def test_default_deny_through_a_list_or_an_older_version_counts(incluster_gate):
    others = [r for r in incluster_stack() if r.name != "pci-ai-training-default-deny"]
    listed = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyList", {"items": [
        {"metadata": {"name": "default-deny", "namespace": "pci-ai-training"}, "spec": DENY}]}, name="policies")
    older = resource("kubernetes:extensions/v1beta1:NetworkPolicy", {
        "metadata": {"name": "default-deny", "namespace": "pci-ai-training"}, "spec": DENY}, name="old")
    for policy in (listed, older):
        assert stack_violations(incluster_gate, REQUIREMENTS, [*others, policy]) == []


def test_a_patch_turning_the_default_deny_into_something_else_fires(incluster_gate):
    opened = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", {
        "metadata": {"name": "default-deny", "namespace": "pci-ai-training"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}, name="opened")
    found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(opened))
    assert [d.message for d in found if "namespace 'pci-ai-training'" in d.message
            and "a patch in this stack changes it" in d.message]
    same = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", {
        "metadata": {"name": "default-deny", "namespace": "pci-ai-training"}, "spec": DENY}, name="same")
    assert stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(same)) == []


def test_namespaces_of_every_kind_are_the_zones(incluster_gate):
    """A namespace from a List, or one a patch places in the zone, needs its default deny in this stack."""
    listed = resource("kubernetes:core/v1:NamespaceList", {"items": [{"metadata": {"name": "pci-ai-serving", "labels": {
        "regzone.io/zone": "pci-ai", "data-class.regzone.io/cardholder_data": "permitted"}}}]}, name="nss")
    patched = resource("kubernetes:core/v1:NamespacePatch", {"metadata": {"name": "shared", "labels": {
        "regzone.io/zone": "pci-ai", "data-class.regzone.io/cardholder_data": "permitted"}}}, name="shared")
    for ns, name in ((listed, "pci-ai-serving"), (patched, "shared")):
        found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(ns))
        assert [d.message for d in found if f"namespace '{name}' of zone 'pci-ai'" in d.message], found
        assert stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(
            ns, network_policy(name, "default-deny", DENY))) == []


def test_a_patch_permitting_a_prohibiting_class_brings_the_egress_rule(incluster_gate):
    """The labels of a namespace and of its patch add up: a patch permitting cardholder data in a
    namespace of the PCI zone makes its allow-list path internet egress where LLM calls are prohibited."""
    serving = resource("kubernetes:core/v1:Namespace", {"metadata": {"name": "pci-ai-serving", "labels": {
        "regzone.io/zone": "pci-ai"}}}, name="serving")
    permit = resource("kubernetes:core/v1:NamespacePatch", {"metadata": {"name": "pci-ai-serving", "labels": {
        "data-class.regzone.io/cardholder_data": "permitted"}}}, name="permit")
    own = [serving, network_policy("pci-ai-serving", "default-deny", DENY),
           network_policy("pci-ai-serving", "allow-egress-allow-list", INTERNET)]
    assert stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(*own)) == []
    found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(*own, permit))
    assert len(found) == 1 and "pods of 'pci-ai-serving'" in found[0].message, found


@pytest.mark.parametrize("make", [
    lambda spec: resource("kubernetes:extensions/v1beta1:NetworkPolicy", {
        "metadata": {"name": "out", "namespace": "pci-ai-training"}, "spec": spec}, name="out"),
    lambda spec: resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", {
        "metadata": {"name": "out", "namespace": "pci-ai-training"}, "spec": spec}, name="out"),
    lambda spec: resource("kubernetes:networking.k8s.io/v1:NetworkPolicyList", {"items": [
        {"metadata": {"name": "out", "namespace": "pci-ai-training"}, "spec": spec}]}, name="out"),
], ids=["v1beta1", "patch", "list"])
def test_internet_egress_through_any_kind_of_network_policy_fires(incluster_gate, make):
    found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(make(INTERNET)))
    assert any("prohibits external LLM calls" in d.message and d.urn.endswith("::out") for d in found), found


S3_RANGES = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [
    {"ipBlock": {"cidr": "52.216.0.0/15"}}, {"ipBlock": {"cidr": "3.5.0.0/19"}}, {"podSelector": {}}],
    "ports": [{"protocol": "TCP", "port": 443}]}]}


@pytest.mark.parametrize("spec, reaches", [
    ({"podSelector": {}, "egress": [{"ports": [{"protocol": "TCP", "port": 443}]}]}, "every destination"),
    ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/1"}}]},
                                    {"to": [{"ipBlock": {"cidr": "128.0.0.0/1"}}]}]}, "IPv4 internet"),
    ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "2000::/3"}}]}]}, "IPv6 internet"),
    (S3_RANGES, None),
    ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0",
                                                         "except": ["0.0.0.0/1", "128.0.0.0/1"]}}]}]}, None),
])
def test_egress_is_judged_by_what_it_reaches(incluster_gate, spec, reaches):
    found = stack_violations(incluster_gate, REQUIREMENTS,
                             incluster_stack(network_policy("pci-ai-training", "out", spec)))
    if reaches is None:
        assert found == []
    else:
        assert len(found) == 1 and reaches in found[0].message, found


def test_namespace_labels_unknown_at_preview_are_reported(incluster_gate):
    ns = resource("kubernetes:core/v1:Namespace", {"metadata": {"name": "later", "labels": {
        "regzone.io/zone": UNKNOWN_STRING}}}, name="later")
    found = stack_violations(incluster_gate, REQUIREMENTS, incluster_stack(ns))
    assert any("metadata.labels.regzone.io/zone" in d.message and "unknown until deployment" in d.message
               for d in found), found
