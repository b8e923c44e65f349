"""The dev stack's real program under the SDK's mocks: the resources it must create, in wire form."""
import json

import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import ProgramError, record_program
from tests.helpers import write_stack


@pytest.fixture(scope="module")
def dev():
    return record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"))


def of_type(recording, type_token):
    return [r for r in recording.resources if r.type == type_token]


def test_zone_component_and_provider(dev):
    zones = of_type(dev, "regzone:index:RegulatedAiZone")
    assert [z.name for z in zones] == ["dev-ai"]
    (provider,) = of_type(dev, "pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags["zone"] == "dev-ai" and tags["data-class"] == "personal_data+public"
    assert {"owner", "environment", "change-ref"} <= set(tags)


def test_one_protected_rotating_key_per_purpose(dev):
    keys = {k.name: k for k in of_type(dev, "aws:kms/key:Key") if "RecordKey" not in k.parent}
    assert set(keys) == {f"dev-ai-keys-{p}" for p in ("data", "audit", "artifacts", "secrets", "volumes")}
    for key in keys.values():
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["deletionWindowInDays"] == 30
        assert key.protect and key.retain_on_delete
        assert key.parent.endswith("regzone:security:ZoneKeys::dev-ai-keys")
        assert key.provider.startswith("urn:pulumi:dev::regzone::")
    aliases = {a.inputs["name"] for a in of_type(dev, "aws:kms/alias:Alias")}
    assert "alias/dev-ai/audit" in aliases


def test_one_protected_record_signing_key_per_zone(dev):
    (key,) = [k for k in of_type(dev, "aws:kms/key:Key")
              if k.parent.endswith("regzone:security:RecordKey::dev-ai-record-key")]
    assert (key.inputs["keyUsage"], key.inputs["customerMasterKeySpec"]) == ("SIGN_VERIFY", "ECC_NIST_P256")
    assert key.inputs["enableKeyRotation"] is False and key.inputs["deletionWindowInDays"] == 30
    assert key.protect and key.retain_on_delete and key.inputs["tags"]["purpose"] == "deployment-records"
    signers = [s for s in json.loads(key.inputs["policy"])["Statement"] if "kms:Sign" in s["Action"]]
    assert [s["Principal"]["AWS"] for s in signers] == [["arn:aws:iam::111122223333:role/regzone-deployer"]]
    aliases = {a.inputs["name"] for a in of_type(dev, "aws:kms/alias:Alias")}
    assert "alias/dev-ai/deployment-records" in aliases


def test_only_audit_key_admits_log_services(dev):
    keys = {k.name: json.loads(k.inputs["policy"]) for k in of_type(dev, "aws:kms/key:Key")}
    def services(policy):
        found = [s["Principal"]["Service"] for s in policy["Statement"] if "Service" in s["Principal"]]
        return {name for entry in found for name in ([entry] if isinstance(entry, str) else entry)}
    # S3 server access logging and VPC flow log delivery write into the audit-key-encrypted buckets.
    assert services(keys["dev-ai-keys-audit"]) == {"cloudtrail.amazonaws.com", "logs.eu-west-1.amazonaws.com",
                                                   "logging.s3.amazonaws.com", "delivery.logs.amazonaws.com"}
    for name, policy in keys.items():
        if name != "dev-ai-keys-audit":
            assert services(policy) == set()


def test_creation_site_is_recorded(dev):
    key = of_type(dev, "aws:kms/key:Key")[0]
    assert key.source.path == "components/zone_keys.py" and key.source.line > 0


def test_bad_config_registers_nothing(tmp_path, dev_config):
    dev_config["regzone:zones"][0]["az_count"] = 9
    write_stack(tmp_path, "broken", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    with pytest.raises(ProgramError) as raised:
        record_program(tmp_path, "broken", dev_config)
    assert "regzone:zones[0].az_count" in str(raised.value)
