"""The key inputs per AWS resource type (regzone/data/key_inputs.json) are those of the pinned pulumi-aws,
as regzone/coverage/sdk.py reads it; key-caller-permissions reads them for types without a row."""
import pytest

from regzone.coverage.key_inputs import document, key_input_paths
from regzone.coverage.sdk import SdkIndex, sdk_index
from regzone.key_inputs import KEY_INPUTS_FILE, schema_key_inputs


@pytest.fixture(scope="module")
def index():
    return sdk_index()


def test_the_shipped_file_is_generated_from_the_pinned_sdk(index):
    assert KEY_INPUTS_FILE.read_text(encoding="utf-8") == document(index), \
        "regzone/data/key_inputs.json is stale: run `make key-inputs`"


def test_nested_key_inputs_are_found_with_lists_transparent():
    assert schema_key_inputs("aws:ec2/instance:Instance") == {"ebsBlockDevices.kmsKeyId", "rootBlockDevice.kmsKeyId"}
    assert "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.kmsMasterKeyId" \
        in schema_key_inputs("aws:s3/bucket:Bucket")
    assert schema_key_inputs("aws:ssm/parameter:Parameter") == {"keyId"}
    assert schema_key_inputs("aws:redshiftserverless/workgroup:Workgroup") == frozenset()
    assert schema_key_inputs("aws:made/up:Thing") is None


def test_former_tokens_carry_the_key_inputs_of_their_type(index):
    aliases = {alias: token for alias, token in index.aliases.items() if alias.startswith("aws:")}
    assert aliases
    assert all(schema_key_inputs(alias) == schema_key_inputs(token) for alias, token in aliases.items())


def _index(inputs, annotations=None) -> SdkIndex:
    return SdkIndex({"aws:x/y:Z": ("x", "ZArgs")}, inputs, {}, annotations or {})


def test_a_recursive_input_type_is_walked_once_unless_it_holds_a_key_input():
    node = ("x", "Node")
    assert key_input_paths(_index({("x", "ZArgs"): {"node": (node,)}, node: {"children": (node,), "name": ()}})) \
        == {"aws:x/y:Z": []}
    with pytest.raises(ValueError, match="not fixed"):
        key_input_paths(_index({("x", "ZArgs"): {"node": (node,)}, node: {"children": (node,), "kmsKeyId": ()}}))


def test_key_inputs_under_map_keys_are_refused():
    item = ("x", "Item")
    inputs = {("x", "ZArgs"): {"items": (item,)}, item: {"kmsKeyId": ()}}
    assert key_input_paths(_index(inputs)) == {"aws:x/y:Z": ["items.kmsKeyId"]}
    with pytest.raises(ValueError, match="not fixed"):
        key_input_paths(_index(inputs, {("x", "ZArgs"): {"items": "pulumi.Input[Mapping[str, pulumi.Input['ItemArgs']]]"}}))
