"""SCP policies over the analyzer protocol: the baseline's SCPs attached to a unit pass; a missing
or weakened deny fires the policy of its control, for that unit; documents AWS would refuse, or
that exempt an undocumented action, fire on the policy resource itself."""
import json

import pytest

from analyzer_helpers import resource, stack_violations, violations
from components.organization_guardrails import guardrails_document, region_deny_document
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient
from tests.helpers import edited

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
ORGANIZATION = "aws:organizations/organization:Organization"
EU, US = "ou-ab12-eu000001", "ou-ab12-us000001"
BREAK_GLASS = "regzone-break-glass"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SETTINGS = {"allowed_regions": ["eu-west-1", "eu-central-1", "us-east-2"],
            "organizational_units": {EU: ["eu-central-1", "eu-west-1"], US: ["us-east-2"]},
            "break_glass_subjects": [f"arn:aws:iam::*:role/{BREAK_GLASS}"],
            "deployer_role_arn": "arn:aws:iam::444455556666:role/regzone-organization-deployer"}
STACK_POLICIES = ["scp-region-deny", "scp-protections-break-glass-only", "scp-imdsv2-required",
                  "scp-leave-organization-denied"]


@pytest.fixture(scope="module")
def org_pack():
    """The pack as `regzone pack-config --program baseline --stack organization` configures it."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone-baseline", stack="organization") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: SETTINGS for p in policies})
        yield client


def scp(name, content, **props):
    return resource(POLICY, {"name": name, "content": content, "type": "SERVICE_CONTROL_POLICY", **props},
                    name=name, protect=True)


def attach(policy, unit, name=None):
    return resource(ATTACHMENT, {"policyId": f"{policy.name}-id", "targetId": unit}, name=name or f"{policy.name}-{unit}",
                    property_dependencies={"policyId": [policy.urn]})


def guardrails(**changes):
    return guardrails_document(partition="aws", break_glass_role=BREAK_GLASS, **changes)


def unit_stack(*, eu_regions=("eu-west-1", "eu-central-1"), guardrail_text=None, us=True):
    """Both units with the baseline's SCPs (the EU region deny and the guardrails replaceable)."""
    shared = scp("regzone-guardrails", guardrail_text or guardrails())
    eu_deny = scp("regzone-region-deny-eu", region_deny_document(list(eu_regions)))
    resources = [shared, eu_deny, attach(shared, EU), attach(eu_deny, EU)]
    if us:
        us_deny = scp("regzone-region-deny-us", region_deny_document(["us-east-2"]))
        resources += [us_deny, attach(shared, US, "guardrails-us"), attach(us_deny, US)]
    return resources


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_the_baseline_scps_pass(org_pack, policy):
    assert stack_violations(org_pack, policy, unit_stack()) == []


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_a_configured_unit_without_guardrails_fires_every_control(org_pack, policy):
    found = stack_violations(org_pack, policy, unit_stack(us=False))
    assert found and all(f"unit {US}" in d.message for d in found) and found[0].enforcement == "mandatory"


def test_a_region_deny_wider_than_the_unit_fires_only_the_region_policy(org_pack):
    wider = unit_stack(eu_regions=("eu-west-1", "eu-central-1", "us-east-2"))
    found = stack_violations(org_pack, "scp-region-deny", wider)
    assert len(found) == 1 and f"unit {EU}" in found[0].message and "in us-east-2" in found[0].message
    assert stack_violations(org_pack, "scp-protections-break-glass-only", wider) == []


@pytest.mark.parametrize("policy, sid, change, expected", [
    ("scp-protections-break-glass-only", "RAZORG002ProtectKeys",
     lambda s: s["Condition"]["ArnNotLike"].update({"aws:PrincipalArn": "arn:aws:iam::*:role/*"}), "kms:PutKeyPolicy"),
    ("scp-protections-break-glass-only", "RAZORG002ProtectTrails", lambda s: s.update({"Action": ["cloudtrail:StopLogging"]}),
     "cloudtrail:DeleteTrail"),
    ("scp-imdsv2-required", "RAZORG003RequireImdsv2",
     lambda s: s.update({"Condition": {"StringEquals": {"ec2:MetadataHttpTokens": "optional"}}}), "(absent)"),
    ("scp-leave-organization-denied", "RAZORG004StayInOrganization",
     lambda s: s.update({"Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{BREAK_GLASS}"}}}),
     "organizations:LeaveOrganization"),
])
def test_a_weakened_guardrail_fires_its_control(org_pack, policy, sid, change, expected):
    found = stack_violations(org_pack, policy, unit_stack(guardrail_text=edited(guardrails(), sid, change)))
    assert len(found) == 2 and all(expected in d.message for d in found)   # both units carry the guardrails
    others = [p for p in STACK_POLICIES if p != policy and p != "scp-region-deny"]
    assert all(stack_violations(org_pack, p, unit_stack(guardrail_text=edited(guardrails(), sid, change))) == []
               for p in others)


def test_an_attachment_of_a_policy_the_stack_does_not_create_is_not_credited(org_pack):
    resources = [r for r in unit_stack() if r.name not in ("regzone-region-deny-us-ou-ab12-us000001",)]
    resources.append(resource(ATTACHMENT, {"policyId": "p-examplepolicy", "targetId": US}, name="elsewhere"))
    found = stack_violations(org_pack, "scp-region-deny", resources)
    assert len(found) == 1 and f"unit {US}" in found[0].message


def test_a_tag_policy_attached_is_not_an_scp(org_pack):
    resources = unit_stack(us=False)
    tag_policy = resource(POLICY, {"name": "tags", "type": "TAG_POLICY", "content": region_deny_document(["us-east-2"])},
                          name="tags")
    resources += [tag_policy, attach(tag_policy, US)]
    assert stack_violations(org_pack, "scp-region-deny", resources)


def test_the_provider_default_type_is_an_scp(org_pack):
    """Raw inputs omit `type`; the provider's checked inputs fill the default: same verdict."""
    raw = [r for r in unit_stack()]
    for index, r in enumerate(raw):
        if r.type == POLICY:
            props = json.loads(json.dumps(dict(r.properties)))
            props.pop("type")
            raw[index] = resource(POLICY, props, name=r.name, protect=True)
    assert stack_violations(org_pack, "scp-region-deny", raw) == []
    normalised = [resource(POLICY, {**json.loads(json.dumps(dict(r.properties))), "__defaults": ["type"]},
                           name=r.name, protect=True) if r.type == POLICY else r for r in unit_stack()]
    assert stack_violations(org_pack, "scp-region-deny", normalised) == []


def test_unknown_content_cannot_pass(org_pack):
    resources = unit_stack()
    resources[0] = scp("regzone-guardrails", UNKNOWN)
    found = stack_violations(org_pack, "scp-protections-break-glass-only", resources)
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("content, expected", [
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                         "Resource": "*"}]}), "no Principal"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "X" * 40, "Effect": "Deny", "Resource": "*",
                                                         "Action": [f"s3:Get{i:04d}" for i in range(400)]}]}), "5120"),
    ("{not json", "not valid JSON"),
])
def test_an_scp_aws_would_refuse_fires(org_pack, content, expected):
    found = violations(org_pack, "scp-document-valid", scp("bad", content))
    assert len(found) == 1 and expected in found[0].message


@pytest.mark.parametrize("document", [region_deny_document(["eu-west-1"]), guardrails()])
def test_the_baseline_scps_are_valid(org_pack, document):
    assert violations(org_pack, "scp-document-valid", scp("ok", document)) == []
    assert violations(org_pack, "scp-region-deny-exemptions", scp("ok", document)) == []


def test_an_undocumented_region_exemption_fires(org_pack):
    text = edited(region_deny_document(["eu-west-1"]), "RAZORG001", lambda s: s["NotAction"].append("ec2:*"))
    found = violations(org_pack, "scp-region-deny-exemptions", scp("wide", text))
    assert len(found) == 1 and "ec2:*" in found[0].message


@pytest.mark.parametrize("props, expected", [
    ({"featureSet": "CONSOLIDATED_BILLING", "enabledPolicyTypes": ["SERVICE_CONTROL_POLICY"]}, "ALL features"),
    ({"featureSet": "ALL", "enabledPolicyTypes": ["TAG_POLICY"]}, "no SCP would apply"),
    ({"featureSet": "ALL"}, "no SCP would apply"),
])
def test_an_organization_without_scps_fires(org_pack, props, expected):
    found = violations(org_pack, "organization-scps-enabled", resource(ORGANIZATION, props, name="org"))
    assert found and expected in found[0].message


def test_an_organization_with_scps_passes(org_pack):
    organization = resource(ORGANIZATION, {"featureSet": "ALL", "enabledPolicyTypes": ["SERVICE_CONTROL_POLICY"]},
                            name="org")
    assert violations(org_pack, "organization-scps-enabled", organization) == []


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_a_zone_stack_without_scps_is_not_judged(pack, policy):
    """The zone stacks attach no SCP and configure no unit: nothing to judge, nothing reported."""
    assert stack_violations(pack, policy, [resource("aws:s3/bucket:Bucket", {}, name="b")]) == []
