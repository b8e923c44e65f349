"""Amazon Bedrock in a zone (controls RAZ-AI-005..008): model invocation logging into the zone's audit
storage, guardrails that redact sensitive information where a data class requires it, models and inference
profiles only in the zone's regions, and private access through a bedrock-runtime interface endpoint.

Bedrock's invocation logging is one configuration per account and region
(PutModelInvocationLoggingConfiguration API reference); text delivery defaults to on (pulumi-aws
bedrockmodel.InvocationLoggingConfiguration, `textDataDeliveryEnabled`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.documents import region_of
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.keys import customer_managed_key
from regulated_ai.policies.placement import place
from regulated_ai.types import LOG_GROUP, S3_BUCKETS, VPC_ENDPOINT
from regulated_ai.values import Unverifiable, as_bool, is_unknown, values_at
from regzone.tags import AUDIT_TRUE, TAG_AUDIT

INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
AGENT = "aws:bedrock/agentAgent:AgentAgent"
FLOW = "aws:bedrock/agentFlow:AgentFlow"
GUARDRAIL = "aws:bedrock/guardrail:Guardrail"


def uses_bedrock(type_token: str) -> bool:
    return type_token.startswith(("aws:bedrock/", "aws:bedrockmodel/", "aws:bedrockfoundation/"))


def _bedrock_users(stack: StackView) -> list[ResourceView]:
    return [r for r in stack.resources if uses_bedrock(r.type) and r.type != INVOCATION_LOGGING]


def _named(candidates: Iterator[ResourceView], dependencies: list[ResourceView], name_input: str,
           name: object) -> list[ResourceView]:
    """The stack's resources a destination names: by dependency of the input, or by the literal name."""
    found = list(candidates)
    return [r for r in found if r in dependencies or (isinstance(name, str) and r.get(name_input) == name)]


def _logging_problems(config: ResourceView, stack: StackView) -> Iterator[str]:
    if as_bool(config.known("loggingConfig.textDataDeliveryEnabled", None), "loggingConfig.textDataDeliveryEnabled") \
            is False:
        yield "does not deliver text data (textDataDeliveryEnabled false): prompts and completions go unrecorded"
    dependencies = config.property_dependencies.get("loggingConfig", [])
    bucket_name = config.known("loggingConfig.s3Config.bucketName", None)
    group_name = config.known("loggingConfig.cloudwatchConfig.logGroupName", None)
    if not bucket_name and not group_name:
        yield "has no destination (s3Config or cloudwatchConfig)"
        return
    if bucket_name:
        buckets = _named(stack.of_type(*S3_BUCKETS), dependencies, "bucket", bucket_name)
        if not any(b.get("tags", {}).get(TAG_AUDIT) == AUDIT_TRUE for b in buckets if isinstance(b.get("tags"), dict)):
            yield (f"delivers to bucket {bucket_name!r}, which is not an audit bucket of this stack "
                   f"(tag {TAG_AUDIT}={AUDIT_TRUE}, ZoneAuditBucket)")
    if group_name:
        groups = _named(stack.of_type(LOG_GROUP), dependencies, "name", group_name)
        if not any(customer_managed_key(g.get("kmsKeyId")) for g in groups):
            yield (f"delivers to log group {group_name!r}, which is not a log group of this stack encrypted with "
                   "the zone's key (zone_log_group)")


@stack_policy(
    "bedrock-invocation-logging",
    description="A stack that uses Amazon Bedrock turns model invocation logging on, with text delivery, into the "
                "zone's audit bucket or a zone log group encrypted with the zone key, in every region it uses.",
    controls=["RAZ-AI-005"], types=uses_bedrock)
def bedrock_invocation_logging(stack: StackView) -> Iterator[tuple[str, str]]:
    configs = list(stack.of_type(INVOCATION_LOGGING))
    for config in configs:
        for problem in _logging_problems(config, stack):
            yield config.urn, f"Bedrock invocation logging '{config.name}' {problem}."
    logged = {region_of(c) for c in configs}
    for user in _bedrock_users(stack):
        region = region_of(user)
        if region not in logged:
            yield user.urn, (f"'{user.name}' ({user.type.rsplit(':', 1)[1]}) uses Bedrock in {region or 'an unknown region'}, "
                             "where this stack turns on no model invocation logging: add an "
                             "aws.bedrockmodel.InvocationLoggingConfiguration in that region delivering to the zone's "
                             "audit bucket.")


# A system-defined cross-region inference profile ID starts with its geography (Bedrock User Guide,
# "Supported Regions and models for inference profiles": us., eu., apac., jp., au., ca., us-gov., global.);
# Bedrock routes each request to a region it chooses within that geography, or anywhere for global.
_CROSS_REGION_PROFILE = re.compile(r"(^|inference-profile/)(us|eu|apac|jp|au|ca|us-gov|global)\.[a-z0-9-]+\.")
_BEDROCK_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]*):")
# Where each Bedrock type names a model, an inference profile or a guardrail profile (lists transparent).
MODEL_INPUTS = {
    "aws:bedrock/inferenceProfile:InferenceProfile": ("modelSource.copyFrom",),
    AGENT: ("foundationModel",),
    GUARDRAIL: ("crossRegionConfig.guardrailProfileIdentifier",),
    "aws:bedrock/provisionedModelThroughput:ProvisionedModelThroughput": ("modelArn",),
    "aws:bedrock/customModel:CustomModel": ("baseModelIdentifier",),
    "aws:bedrockmodel/invocationJob:InvocationJob": ("modelId",),
    "aws:bedrockfoundation/modelAgreement:ModelAgreement": ("modelId",),
    "aws:bedrock/agentPrompt:AgentPrompt": ("variants.modelId",),
    FLOW: ("definition.nodes.configuration.knowledgeBase.modelId",
           "definition.nodes.configuration.prompt.sourceConfiguration.inline.modelId"),
    "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": (
        "knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelArn",
        "knowledgeBaseConfiguration.managedKnowledgeBaseConfiguration.embeddingModelArn"),
    "aws:bedrock/agentDataSource:AgentDataSource": tuple(
        f"vectorIngestionConfiguration.{c}.bedrockFoundationModelConfiguration.modelArn"
        for c in ("contextEnrichmentConfiguration", "parsingConfiguration")),
    "aws:bedrock/evaluationJob:EvaluationJob": (
        "inferenceConfig.models.bedrockModel.modelIdentifier",
        "inferenceConfig.ragConfig.knowledgeBaseConfig.retrieveAndGenerateConfig.modelArn",
        "evaluationConfig.automated.evaluatorModelConfig.bedrockEvaluatorModel.modelIdentifier",
        "evaluationConfig.automated.customMetricConfig.evaluatorModelConfig.bedrockEvaluatorModel.modelIdentifier"),
    "aws:bedrock/agentcoreEvaluator:AgentcoreEvaluator": (
        "evaluatorConfig.llmAsAJudge.modelConfig.bedrockEvaluatorModelConfig.modelId",),
    "aws:bedrock/agentcoreMemoryStrategy:AgentcoreMemoryStrategy": tuple(
        f"configuration.{c}.modelId" for c in ("consolidation", "extraction", "reflection")),
    "aws:bedrock/agentcoreHarness:AgentcoreHarness": ("model.bedrockModelConfig.modelId",),
}
# Models an AgentCore harness calls outside Bedrock: the provider's API, wherever it runs.
EXTERNAL_MODEL_INPUTS = {"aws:bedrock/agentcoreHarness:AgentcoreHarness": (
    "model.geminiModelConfig", "model.litellmModelConfig", "model.openaiModelConfig")}


@resource_policy(
    "bedrock-model-in-residency",
    description="Bedrock models, inference profiles and guardrail profiles run only in the zone's regions: no "
                "cross-region (geographic or global) inference profile, no model ARN in another region, no model "
                "outside Bedrock.",
    controls=["RAZ-AI-007"], types=list(MODEL_INPUTS))
def bedrock_model_in_residency(resource: ResourceView) -> Iterator[str]:
    placed = place(resource)
    regions = resource.settings.zone_regions(placed.zone if placed else None)
    what = f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"
    for path in EXTERNAL_MODEL_INPUTS.get(resource.type, ()):
        for where, value in values_at(resource.props, path):
            if value is not None:
                yield (f"{what} calls a model outside Bedrock ({where}): prompts leave the zone's account and "
                       "regions. Use model.bedrockModelConfig with a model in the zone's regions.")
    for path in MODEL_INPUTS[resource.type]:
        for where, value in values_at(resource.props, path):
            if is_unknown(value) or not isinstance(value, str):
                continue  # an ARN of the stack's own profile, model or guardrail: judged where it is defined
            if _CROSS_REGION_PROFILE.search(value):
                yield (f"{what}: {where} '{value}' is a cross-region inference profile: Bedrock may process the "
                       "request in any region of its geography, which residency cannot bound. Use a model or an "
                       "application inference profile in the zone's regions.")
                continue
            match = _BEDROCK_ARN.match(value)
            if match and match["region"] and match["region"] not in regions:
                yield (f"{what}: {where} '{value}' is in {match['region']}; the zone's regions are "
                       f"{', '.join(regions) or 'none configured'}.")


def _zones_requiring_guardrails(stack: StackView, placed: list) -> set[str]:
    rules = stack.settings.data_class_policy
    classes: dict[str, set[str]] = {name: set(entry.data_classes) for name, entry in stack.settings.zones.items()}
    for item in placed:
        if item.zone:
            classes.setdefault(item.zone, set()).update(item.classes)
    # A class the pack config does not define counts as requiring guardrails (fail closed).
    return {zone for zone, names in classes.items()
            if any(c not in rules or rules[c].require_model_guardrails for c in names)}


def _redacts(guardrail: ResourceView) -> bool:
    """A sensitive information filter that masks or blocks at least one PII type or pattern (CreateGuardrail API
    reference, SensitiveInformationPolicyConfig: ANONYMIZE masks, BLOCK refuses)."""
    entries = [e for path in ("sensitiveInformationPolicyConfig.piiEntitiesConfigs",
                              "sensitiveInformationPolicyConfig.regexesConfigs")
               for _, found in values_at(guardrail.props, path)
               for e in (found if isinstance(found, list) else [found])]
    for entry in entries:
        if is_unknown(entry):
            raise Unverifiable(f"{guardrail.name}.sensitiveInformationPolicyConfig")
    return any(isinstance(e, dict) and e.get("action") in ("ANONYMIZE", "BLOCK") for e in entries)


def _attachments(resource: ResourceView) -> list[tuple[str, object]]:
    """(path, guardrail configuration) of each place the agent or flow calls a model; None where none is set."""
    if resource.type == AGENT:
        found = values_at(resource.props, "guardrailConfigurations")
        return [(w, v) for w, v in found] or [("guardrailConfigurations", None)]
    nodes = values_at(resource.props, "definition.nodes.configuration")
    return [(f"{where}.{kind}.guardrailConfiguration", node[kind].get("guardrailConfiguration"))
            for where, node in nodes if isinstance(node, dict)
            for kind in ("prompt", "knowledgeBase") if isinstance(node.get(kind), dict)]


@stack_policy(
    "bedrock-guardrail-redaction",
    description="In a zone holding a data class that requires model guardrails, every Bedrock agent and every "
                "prompt or knowledge base node of a flow attaches a guardrail of the stack whose sensitive "
                "information filter masks or blocks personal data.",
    controls=["RAZ-AI-006"], types=(AGENT, FLOW, GUARDRAIL))
def bedrock_guardrail_redaction(stack: StackView) -> Iterator[tuple[str, str]]:
    users = list(stack.of_type(AGENT, FLOW))
    if not users:
        return  # nothing calls a model: the zones' placements (unknown tags included) are not this policy's
    placed = [p for p in (place(r) for r in stack.resources if r.type.startswith("aws:")) if p is not None]
    zones = _zones_requiring_guardrails(stack, placed)
    for resource in users:
        where_placed = place(resource)
        zone = where_placed.zone if where_placed else None
        if zone not in zones and zone is not None:
            continue
        guardrails = [d for deps in resource.property_dependencies.values() for d in deps if d.type == GUARDRAIL]
        what = f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"
        for where, configuration in _attachments(resource):
            if is_unknown(configuration):
                raise Unverifiable(where)
            if not configuration:
                yield resource.urn, (f"{what} in zone {zone or '(none)'} calls a model without a guardrail ({where}); "
                                     "the zone's data classes require redaction: attach the zone's guardrail.")
            elif not any(_redacts(g) for g in guardrails):
                yield resource.urn, (f"{what}: the guardrail at {where} is not a guardrail of this stack whose "
                                     "sensitiveInformationPolicyConfig masks (ANONYMIZE) or blocks personal data.")


ENDPOINT_PRIVATE_DNS = "aws:vpc/endpointPrivateDns:EndpointPrivateDns"


def _private_dns(endpoint: ResourceView, stack: StackView) -> bool:
    """The endpoint's private DNS; a separate EndpointPrivateDns resource for it sets it instead."""
    overrides = [r for r in stack.of_type(ENDPOINT_PRIVATE_DNS)
                 if endpoint in r.property_dependencies.get("vpcEndpointId", [])]
    if overrides:
        return all(r.flag("privateDnsEnabled", False) is True for r in overrides)
    return endpoint.flag("privateDnsEnabled", False) is True


def _runtime_endpoint(endpoint: ResourceView, region: str | None, stack: StackView) -> bool:
    service = endpoint.known("serviceName", None)
    return (isinstance(service, str) and service == f"com.amazonaws.{region}.bedrock-runtime"
            and endpoint.known("vpcEndpointType", "Gateway") == "Interface" and _private_dns(endpoint, stack))


@stack_policy(
    "bedrock-private-endpoint",
    description="A zone that uses Bedrock reaches it through a bedrock-runtime interface endpoint with private DNS "
                "in the zone, not over the egress path.",
    controls=["RAZ-AI-008"], types=lambda t: uses_bedrock(t) or t in (VPC_ENDPOINT, ENDPOINT_PRIVATE_DNS))
def bedrock_private_endpoint(stack: StackView) -> Iterator[tuple[str, str]]:
    endpoints = list(stack.of_type(VPC_ENDPOINT))
    for user in _bedrock_users(stack):
        region = region_of(user)
        where = place(user)
        zone = where.zone if where else None
        in_zone = [e for e in endpoints if (place(e).zone if place(e) else None) == zone and region_of(e) == region]
        if not any(_runtime_endpoint(e, region, stack) for e in in_zone):
            yield user.urn, (f"'{user.name}' ({user.type.rsplit(':', 1)[1]}) uses Bedrock in zone {zone or '(none)'} "
                             f"({region or 'unknown region'}), which has no interface endpoint "
                             f"com.amazonaws.{region}.bedrock-runtime with privateDnsEnabled: model calls would "
                             "leave through the egress path.")
