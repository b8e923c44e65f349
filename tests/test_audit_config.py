"""Zone key duties in the stack config: administrators and users are separate principals, and the
program writes them into every zone key's policy."""
import json

import pytest

from regzone.config import ConfigError, parse_stack_config
from regzone.preview.recorder import record_program
from regzone.paths import STACKS_DIR
from tests.helpers import write_stack

ADMIN = "arn:aws:iam::111122223333:role/dev-ai-key-admin"
USER = "arn:aws:iam::111122223333:role/dev-ai-workload"


def test_a_key_administrator_cannot_also_be_a_key_user(dev_config):
    dev_config["regzone:zones"][0].update(key_administrators=[ADMIN], key_users=[USER, ADMIN])
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, "stacks/Pulumi.test.yaml")
    assert "regzone:zones[0].key_users[1]" in str(raised.value)
    assert "is also in key_administrators" in str(raised.value)


def test_key_principals_must_be_iam_roles_or_users(dev_config):
    dev_config["regzone:zones"][0]["key_users"] = ["*"]
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, "stacks/Pulumi.test.yaml")
    assert "regzone:zones[0].key_users[0]" in str(raised.value)


@pytest.mark.slow
def test_key_policies_name_the_configured_duties(tmp_path, dev_config):
    dev_config["regzone:zones"][0].update(key_administrators=[ADMIN], key_users=[USER])
    write_stack(tmp_path, "duties", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    recording = record_program(tmp_path, "duties", dev_config)
    keys = [r for r in recording.resources if r.type == "aws:kms/key:Key" and "ZoneKeys" in r.parent]
    assert len(keys) == 5
    (record_key,) = [r for r in recording.resources if r.type == "aws:kms/key:Key" and "RecordKey" in r.parent]
    statements = {s["Sid"]: s for s in json.loads(record_key.inputs["policy"])["Statement"]}
    assert statements["KeyAdministration"]["Principal"] == {"AWS": [ADMIN]}
    for key in keys:
        statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
        assert statements["KeyAdministration"]["Principal"] == {"AWS": [ADMIN]}
        assert statements["KeyUseThroughZoneServices"]["Principal"] == {"AWS": [USER]}
        assert statements["GrantsForAwsResourcesOnly"]["Principal"] == {"AWS": [USER]}


def test_a_zone_trail_must_record_something(dev_config):
    dev_config["regzone:zones"][0]["workloads"] = []
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, "dev")
    assert ("regzone:zones[0].workloads: is empty, so the zone has no data buckets and its trail would record "
            "nothing (the account baseline's trail records management events)") in str(raised.value)
