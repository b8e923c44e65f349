"""Bedrock policies (RAZ-AI-005..008) over the real pack: a zone that logs invocations into its audit
bucket, attaches a redacting guardrail, stays in its regions and reaches Bedrock through its endpoint passes;
each missing piece fires."""
import json

import pytest

from analyzer_helpers import configured_pack, resource, stack_violations, violations

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
AGENT = "aws:bedrock/agentAgent:AgentAgent"
FLOW = "aws:bedrock/agentFlow:AgentFlow"
GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
PROFILE = "aws:bedrock/inferenceProfile:InferenceProfile"
HARNESS = "aws:bedrock/agentcoreHarness:AgentcoreHarness"
BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
PRIVATE_DNS = "aws:vpc/endpointPrivateDns:EndpointPrivateDns"
MODEL = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
SETTINGS = {"allowed_regions": ["eu-west-1"],
            "zones": {"regulated-eu": {"regions": ["eu-west-1"], "data_classes": ["personal_data"]},
                      "open-eu": {"regions": ["eu-west-1"], "data_classes": ["public"]}},
            "data_class_policy": {"personal_data": {"allowed_zones": ["regulated-eu"], "require_model_guardrails": True},
                                  "public": {"allowed_zones": ["open-eu"]}}}
CLASS_OF = {"regulated-eu": "personal_data", "open-eu": "public"}


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def zoned(type_token, props, *, name, zone="regulated-eu", region="eu-west-1", **kwargs):
    tags = {"zone": zone, "data-class": CLASS_OF[zone]}
    return resource(type_token, props, name=name, provider_props={
        "region": region, "defaultTags": json.dumps({"tags": tags})}, **kwargs)


def urn(type_token, name):
    return f"urn:pulumi:test::regzone::{type_token}::{name}"


AUDIT_BUCKET = zoned(BUCKET, {"bucket": "zone-audit", "tags": {"regzone:audit": "true"}}, name="audit")
GUARD = zoned(GUARDRAIL, {"name": "redact", "sensitiveInformationPolicyConfig": {
    "piiEntitiesConfigs": [{"type": "EMAIL", "action": "ANONYMIZE"}]}}, name="guard")
RUNTIME = zoned(ENDPOINT, {"serviceName": "com.amazonaws.eu-west-1.bedrock-runtime", "vpcEndpointType": "Interface",
                           "privateDnsEnabled": True, "vpcId": "vpc-1"}, name="runtime")


def logging_config(**config):
    return zoned(LOGGING, {"loggingConfig": {"s3Config": {"bucketName": "zone-audit"}, **config}}, name="log",
                 property_dependencies={"loggingConfig": [AUDIT_BUCKET.urn]})


def agent(props=None, deps=(GUARD.urn,), **kwargs):
    props = {"agentName": "a", "foundationModel": MODEL,
             "guardrailConfigurations": [{"guardrailIdentifier": UNKNOWN, "guardrailVersion": "1"}]} \
        if props is None else props
    return zoned(AGENT, props, name="agent", property_dependencies={"guardrailConfigurations": list(deps)}, **kwargs)


def zone_stack(*replace):
    base = {"bucket": AUDIT_BUCKET, "log": logging_config(), "guard": GUARD, "endpoint": RUNTIME, "agent": agent()}
    for key, value in replace:
        base[key] = value
    return [r for r in base.values() if r is not None]


BEDROCK_POLICIES = ("bedrock-invocation-logging", "bedrock-guardrail-redaction", "bedrock-private-endpoint")


def test_the_zone_baseline_passes(gate):
    found = [d for d in gate.analyze_stack(zone_stack()) if d.policy in BEDROCK_POLICIES]
    assert found == []


@pytest.mark.parametrize("replace, expected", [
    (("log", None), "turns on no model invocation logging"),
    (("log", logging_config(textDataDeliveryEnabled=False)), "does not deliver text data"),
    (("log", zoned(LOGGING, {"loggingConfig": {}}, name="log")), "has no destination"),
    (("bucket", zoned(BUCKET, {"bucket": "zone-audit"}, name="audit")), "not an audit bucket"),
    (("log", zoned(LOGGING, {"loggingConfig": {"cloudwatchConfig": {"logGroupName": "/x", "roleArn": "r"}}},
                   name="log")), "not a log group of this stack"),
])
def test_missing_or_misdirected_invocation_logging_fires(gate, replace, expected):
    found = stack_violations(gate, "bedrock-invocation-logging", zone_stack(replace))
    assert found and any(expected in d.message for d in found) and all("RAZ-AI-005" in d.message for d in found)


def test_logging_into_an_encrypted_zone_log_group_passes(gate):
    group = zoned(LOG_GROUP, {"name": "/zone/bedrock", "kmsKeyId": UNKNOWN}, name="group")
    config = zoned(LOGGING, {"loggingConfig": {"cloudwatchConfig": {"logGroupName": "/zone/bedrock", "roleArn": "r"}}},
                   name="log")
    assert stack_violations(gate, "bedrock-invocation-logging", zone_stack(("log", config), ("group", group))) == []


@pytest.mark.parametrize("replace, expected", [
    (("agent", agent({"agentName": "a", "foundationModel": MODEL})), "without a guardrail"),
    (("agent", agent(deps=())), "not a guardrail of this stack"),
    (("guard", zoned(GUARDRAIL, {"name": "g", "contentPolicyConfig": {}}, name="guard")), "masks (ANONYMIZE)"),
    (("guard", zoned(GUARDRAIL, {"name": "g", "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfigs": [{"type": "EMAIL", "action": "NONE"}]}}, name="guard")), "masks (ANONYMIZE)"),
    (("flow", zoned(FLOW, {"name": "f", "executionRoleArn": "r", "definition": {"nodes": [
        {"name": "p", "type": "Prompt", "configuration": {"prompt": {"sourceConfiguration": {}}}}]}}, name="flow")),
     "definition.nodes.0.configuration.prompt.guardrailConfiguration"),
])
def test_agents_and_flows_without_a_redacting_guardrail_fire(gate, replace, expected):
    found = stack_violations(gate, "bedrock-guardrail-redaction", zone_stack(replace))
    assert found and any(expected in d.message for d in found) and all("RAZ-AI-006" in d.message for d in found)


def test_zones_whose_classes_need_no_guardrail_pass(gate):
    bare = agent({"agentName": "a", "foundationModel": MODEL}, zone="open-eu")
    assert stack_violations(gate, "bedrock-guardrail-redaction", [bare]) == []


@pytest.mark.parametrize("replace, expected", [
    (("endpoint", None), "no interface endpoint"),
    (("endpoint", zoned(ENDPOINT, {"serviceName": "com.amazonaws.eu-west-1.bedrock-runtime",
                                   "vpcEndpointType": "Interface"}, name="runtime")), "no interface endpoint"),
    (("endpoint", zoned(ENDPOINT, {"serviceName": "com.amazonaws.eu-west-1.bedrock-runtime",
                                   "vpcEndpointType": "Interface", "privateDnsEnabled": True}, name="runtime",
                        zone="open-eu")), "no interface endpoint"),
    (("dns", zoned(PRIVATE_DNS, {"vpcEndpointId": UNKNOWN, "privateDnsEnabled": False}, name="dns",
                   property_dependencies={"vpcEndpointId": [RUNTIME.urn]})), "no interface endpoint"),
])
def test_bedrock_without_its_private_endpoint_in_the_zone_fires(gate, replace, expected):
    found = stack_violations(gate, "bedrock-private-endpoint", zone_stack(replace))
    assert found and expected in found[0].message and "RAZ-AI-008" in found[0].message


@pytest.mark.parametrize("type_token, props", [
    (PROFILE, {"name": "p", "modelSource": {"copyFrom": MODEL}}),
    (AGENT, {"agentName": "a", "foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0"}),
    (HARNESS, {"harnessName": "h", "model": {"bedrockModelConfig": {"modelId": "amazon.nova-pro-v1:0"}}}),
])
def test_models_in_the_zone_regions_pass(gate, type_token, props):
    assert violations(gate, "bedrock-model-in-residency", zoned(type_token, props, name="m")) == []


@pytest.mark.parametrize("type_token, props, expected", [
    (PROFILE, {"name": "p", "modelSource": {"copyFrom":
     "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-3-5-sonnet-20240620-v1:0"}},
     "cross-region inference profile"),
    (PROFILE, {"name": "p", "modelSource": {"copyFrom": MODEL.replace("eu-west-1", "us-east-1")}}, "is in us-east-1"),
    (AGENT, {"agentName": "a", "foundationModel": "global.anthropic.claude-sonnet-4-20250514-v1:0"},
     "cross-region inference profile"),
    (GUARDRAIL, {"name": "g", "crossRegionConfig": {"guardrailProfileIdentifier": "us.guardrail.v1:0"}},
     "cross-region inference profile"),
    (HARNESS, {"harnessName": "h", "model": {"openaiModelConfig": {"modelId": "gpt-4o", "apiKeyArn": "arn"}}},
     "outside Bedrock"),
])
def test_models_and_profiles_outside_residency_fire(gate, type_token, props, expected):
    found = violations(gate, "bedrock-model-in-residency", zoned(type_token, props, name="m"))
    assert len(found) == 1 and expected in found[0].message and "RAZ-AI-007" in found[0].message


def test_a_stack_without_agents_or_flows_is_not_judged_for_guardrails(gate):
    """Placement of other resources (here a zone tag unknown at preview) is not this policy's concern."""
    bucket = resource(BUCKET, {"bucket": "b", "tags": {"zone": UNKNOWN}}, name="b",
                      provider_props={"region": "eu-west-1"})
    assert stack_violations(gate, "bedrock-guardrail-redaction", [bucket]) == []
