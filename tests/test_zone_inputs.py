"""RegulatedAiZone's inputs: plain, described, the same shape as the stack config, checked like it;
the provider's schema and the examples that use it (examples/yaml/Pulumi.yaml)."""
import asyncio
import json
import re
import typing
from functools import cache

import pulumi
import pytest
import yaml
from pulumi.errors import InputPropertiesError, InputPropertyError
from pydantic import BaseModel

from components import zone_inputs as inputs
from components.zone_inputs import ZoneInputError, input_path, stack_config_path, zone_config
from components.zone_provider import ZoneComponentProvider
from regzone.config import model
from regzone.config.loader import load_stack_file
from regzone.paths import REPO_ROOT, STACKS_DIR
from regzone.preview.mocks import ZoneMocks, deployer_session_arn

TOKEN = "regzone:index:RegulatedAiZone"
YAML_EXAMPLE = REPO_ROOT / "examples" / "yaml" / "Pulumi.yaml"
TYPESCRIPT_EXAMPLE = REPO_ROOT / "examples" / "typescript" / "index.ts"
# Each input TypedDict (`<Model>Args`) and the config model it mirrors, by name.
MIRRORS = [(typ, getattr(model, name.removesuffix("Args"))) for name, typ in vars(inputs).items()
           if name.endswith("Args") and typing.is_typeddict(typ) and name != "RegulatedAiZoneArgs"]


@cache
def schema() -> dict:
    return json.loads(ZoneComponentProvider().schema)


def yaml_example() -> dict:
    return yaml.safe_load(YAML_EXAMPLE.read_text())


def example_properties() -> dict:
    return yaml_example()["resources"]["devAi"]["properties"]


def dev_stack():
    return load_stack_file(STACKS_DIR / "Pulumi.dev.yaml")


def mapped(properties: dict) -> dict:
    """Engine-form properties as the provider hands them to the component (Python names, enum members)."""
    provider = ZoneComponentProvider()
    return provider.map_inputs(properties, provider._component_defs["RegulatedAiZone"])


@pytest.mark.parametrize("args, config", MIRRORS, ids=[a.__name__ for a, _ in MIRRORS])
def test_every_config_key_is_an_input_and_back(args, config: type[BaseModel]):
    """A config key added to the model without an input (or the reverse) fails here, not for a TypeScript user."""
    assert set(args.__annotations__) == set(config.model_fields)


def test_stack_wide_inputs_mirror_the_zones_config():
    top = set(inputs.RegulatedAiZoneArgs.__annotations__)
    assert top == set(model.ZonesConfig.model_fields) - {"zones"} | {"zone", "autoscaling_role_arn"}


def test_schema_has_the_component_with_described_typed_inputs():
    resource = schema()["resources"][TOKEN]
    assert resource["isComponent"] is True and "regulated AI zone" in resource["description"]
    props = resource["inputProperties"]
    assert set(resource["requiredInputs"]) == {"region", "allowedRegions", "dataClassPolicy", "deployerRoleArn", "zone"}
    assert props["zone"]["$ref"] == "#/types/regzone:index:ZoneArgs"
    assert props["autoscalingRoleArn"] == {"description": props["autoscalingRoleArn"]["description"], "type": "string"}
    # Everything that shapes the zone is plain; only the baseline's role ARN may be another resource's output.
    assert [name for name, p in props.items() if not p.get("plain")] == ["autoscalingRoleArn"]
    zone = schema()["types"]["regzone:index:ZoneArgs"]
    assert set(zone["required"]) == {"name", "assuranceLevel", "keyAdministrators", "keyUsers"}
    kinds = schema()["types"]["regzone:index:NodeGroupKind"]
    assert [e["value"] for e in kinds["enum"]] == ["gpu", "cpu"]


def test_every_input_and_type_is_described():
    undescribed = [name for name, p in schema()["resources"][TOKEN]["inputProperties"].items() if not p.get("description")]
    for token, typ in schema()["types"].items():
        if not typ.get("description"):
            undescribed.append(token)
        undescribed += [f"{token}.{name}" for name, p in typ.get("properties", {}).items() if not p.get("description")]
    assert undescribed == []


def test_descriptions_read_as_one_paragraph():
    """The SDK copies docstrings verbatim: a wrapped docstring would carry its indentation into the SDKs' docs."""
    def descriptions(node):
        if isinstance(node, dict):
            yield from ([node["description"]] if isinstance(node.get("description"), str) else [])
            for value in node.values():
                yield from descriptions(value)
        elif isinstance(node, list):
            for value in node:
                yield from descriptions(value)
    assert [d for d in descriptions(schema()) if "\n" in d] == []


def test_outputs_are_in_the_schema():
    props = schema()["resources"][TOKEN]["properties"]
    assert {"keyArns", "vpcId", "auditBucketName", "trailArn", "recordKeyArn", "clusterName", "repositoryUrls"} <= set(props)


def _schema_problems(value, spec: dict, where: str) -> list[str]:
    """Where `value` does not fit the schema property `spec` (unknown names, missing required, wrong kinds)."""
    ref = spec.get("$ref", "")
    if ref.startswith("#/types/"):
        typ = schema()["types"][ref.removeprefix("#/types/")]
        if "enum" in typ:
            return [] if value in [e["value"] for e in typ["enum"]] else [f"{where}: {value!r} is not an enum value"]
        return _object_problems(value, typ.get("properties", {}), typ.get("required", []), where)
    kind = spec.get("type")
    if isinstance(value, str) and value.startswith("${"):
        return [] if not spec.get("plain") else [f"{where}: an output where the schema wants a plain value"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [p for i, v in enumerate(value) for p in _schema_problems(v, spec["items"], f"{where}[{i}]")]
    if kind == "object" and "additionalProperties" in spec:
        if not isinstance(value, dict):
            return [f"{where}: not a map"]
        return [p for k, v in value.items() for p in _schema_problems(v, spec["additionalProperties"], f"{where}.{k}")]
    python = {"string": str, "integer": int, "number": (int, float), "boolean": bool}[kind]
    return [] if isinstance(value, python) else [f"{where}: {value!r} is not a {kind}"]


def _object_problems(value, properties: dict, required: list[str], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems = [f"{where}.{name}: not in the schema" for name in value if name not in properties]
    problems += [f"{where}.{name}: required" for name in required if name not in value]
    return problems + [p for name, v in value.items() if name in properties
                       for p in _schema_problems(v, properties[name], f"{where}.{name}")]


def test_yaml_example_properties_match_the_schema():
    resource = schema()["resources"][TOKEN]
    example = yaml_example()
    assert example["resources"]["devAi"]["type"] == TOKEN
    assert _object_problems(example_properties(), resource["inputProperties"], resource["requiredInputs"], "devAi") == []
    assert {o.split(".")[-1].rstrip("}") for o in example["outputs"].values()} <= set(resource["properties"])


def test_schema_check_catches_a_misspelt_or_missing_input():
    resource = schema()["resources"][TOKEN]
    properties = example_properties()
    properties["zone"]["keyUser"] = properties["zone"].pop("keyUsers")
    problems = _object_problems(properties, resource["inputProperties"], resource["requiredInputs"], "devAi")
    assert problems == ["devAi.zone.keyUser: not in the schema", "devAi.zone.keyUsers: required"]


def test_typescript_example_names_only_schema_inputs():
    """The TypeScript example cannot be compiled here (its SDK is generated by `pulumi package add`): every
    object key from its zone inputs on must at least be an input of the schema (or a data class, or the
    `providers` option), so that a renamed input cannot leave the example behind."""
    text = TYPESCRIPT_EXAMPLE.read_text()
    zone_part = text[text.index("const promoted"):text.index("export const")]
    keys = set(re.findall(r"(?:^|[{,(])\s*([A-Za-z_][A-Za-z0-9_]*)\s*:", zone_part, re.M))
    names = set(schema()["resources"][TOKEN]["inputProperties"])
    names |= {name for typ in schema()["types"].values() for name in typ.get("properties", {})}
    allowed = names | set(example_properties()["dataClassPolicy"]) | {"providers"}
    assert keys - allowed == set()
    assert {"keyUsers", "nodeGroups", "permittedEnvironments", "autoscalingRoleArn"} <= keys


def test_yaml_example_declares_the_dev_zone():
    """The example and stacks/Pulumi.dev.yaml describe the same zone: the provider's mapping of the
    example's properties validates to the dev stack's config."""
    properties = example_properties()
    properties["autoscalingRoleArn"] = "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/x"
    config, zone = zone_config("dev-ai", mapped(properties))
    stack = dev_stack()
    assert zone == stack.zones[0]
    assert config.model_dump() == {**stack.model_dump(include=set(model.ZonesConfig.model_fields))}


def test_python_program_inputs_round_trip_to_the_stack_config():
    stack = dev_stack()
    config, zone = zone_config("dev-ai", inputs.zone_inputs(stack, stack.zones[0]))
    assert zone == stack.zones[0] and config.data_class_policy == stack.data_class_policy


def test_invalid_inputs_name_the_input_and_what_is_valid():
    properties = example_properties()
    properties["zone"]["keyUsers"] = list(properties["zone"]["keyAdministrators"])
    properties["dataClassPolicy"]["personal_data"]["retentionDays"] = 0
    with pytest.raises(ZoneInputError) as raised:
        zone_config("dev-ai", mapped(properties))
    assert [where for where, _ in raised.value.problems] == ["dataClassPolicy.personal_data.retentionDays",
                                                            "zone.keyUsers[0]"]
    assert "RegulatedAiZone dev-ai: invalid inputs" in str(raised.value)
    assert "greater than or equal to 1" in str(raised.value)


@pytest.mark.parametrize("loc, expected", [
    (("zones", 0, "key_users", 1), "zone.keyUsers[1]"),
    (("data_class_policy", "personal_data", "retention_days"), "dataClassPolicy.personal_data.retentionDays"),
    (("zones", 0, "enclave_attestation", "pcrs", "PCR8"), "zone.enclaveAttestation.pcrs.PCR8"),
    (("deployer_role_arn",), "deployerRoleArn"),
])
def test_input_path_names_the_schema_property(loc, expected):
    assert input_path(loc) == expected


def test_python_program_names_its_stack_keys():
    assert stack_config_path(2)(("zones", 0, "key_users", 1)) == "regzone:zones[2].key_users[1]"
    assert stack_config_path(2)(("deployer_role_arn",)) == "regzone:deployer_role_arn"


@pytest.fixture
def event_loop():
    """Outputs and the SDK's mocks need a current event loop (tests before may have closed theirs)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def test_an_output_where_a_plain_value_is_needed_is_refused(event_loop):
    args = inputs.zone_inputs(dev_stack(), dev_stack().zones[0])
    args["zone"]["key_users"] = [pulumi.Output.from_input("arn:aws:iam::111122223333:role/x")]
    with pytest.raises(ZoneInputError) as raised:
        zone_config("dev-ai", args)
    assert raised.value.problems[0][0] == "zone.keyUsers[0]"


@pytest.fixture
def provider_under_mocks(event_loop):
    stack = dev_stack()
    mocks = ZoneMocks(stack.region, caller_arn=deployer_session_arn(stack.deployer_role_arn))
    pulumi.runtime.set_mocks(mocks, project="regzone-yaml-example", stack="dev", preview=True)
    return ZoneComponentProvider()


def test_provider_refuses_an_unknown_input(provider_under_mocks):
    properties = example_properties()
    properties["zone"]["ssmEndpoint"] = True
    with pytest.raises(InputPropertyError) as raised:
        provider_under_mocks.construct("dev-ai", TOKEN, properties)
    assert raised.value.property_path == "zone.ssmEndpoint"
    assert "ssmEndpoints" in raised.value.reason


def test_provider_reports_invalid_inputs_per_property(provider_under_mocks):
    properties = example_properties()
    properties["zone"]["assuranceLevel"] = 1
    with pytest.raises(InputPropertiesError) as raised:
        provider_under_mocks.construct("dev-ai", TOKEN, properties)
    assert [e["property_path"] for e in raised.value.errors] == ["zone.assuranceLevel"]
    assert "personal_data" in raised.value.errors[0]["reason"]


def test_provider_refuses_a_resource_output_for_the_zone(provider_under_mocks):
    properties = example_properties()
    properties["zone"] = pulumi.Output.from_input(properties["zone"])
    with pytest.raises(InputPropertyError) as raised:
        provider_under_mocks.construct("dev-ai", TOKEN, properties)
    assert raised.value.property_path == "zone"


def test_node_groups_need_the_autoscaling_role(provider_under_mocks):
    properties = example_properties()
    properties.pop("autoscalingRoleArn")
    with pytest.raises(InputPropertiesError) as raised:
        provider_under_mocks.construct("dev-ai", TOKEN, properties)
    assert [e["property_path"] for e in raised.value.errors] == ["autoscalingRoleArn"]
