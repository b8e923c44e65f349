"""The baseline config (`regzone-baseline:*`): validated before any resource, every error naming the
key and what is valid; residency, retention and registries taken from the zone stacks it governs."""
from __future__ import annotations

import copy

import pytest
import yaml

from regzone.config.baseline import load_baseline, parse_baseline_config
from regzone.config.errors import ConfigError
from regzone.paths import BASELINE_DIR
from tests.helpers import write_stack

SOURCE = "baseline/Pulumi.test.yaml"


@pytest.fixture
def account() -> dict:
    return copy.deepcopy(yaml.safe_load((BASELINE_DIR / "Pulumi.dev.yaml").read_text())["config"])


@pytest.fixture
def organization() -> dict:
    return copy.deepcopy(yaml.safe_load((BASELINE_DIR / "Pulumi.organization.yaml").read_text())["config"])


def error_of(config: dict, **kwargs) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_baseline_config(config, "test", SOURCE, **kwargs)
    return str(raised.value)


def test_every_reference_baseline_loads():
    for path in sorted(BASELINE_DIR.glob("Pulumi.*.yaml")):
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if name:
            assert load_baseline(name).zone_stacks, name


def test_the_allowed_regions_are_the_zone_stacks_union_home_first():
    assert load_baseline("gdpr-eu").allowed_regions == ["eu-central-1", "eu-west-1"]
    assert load_baseline("organization").allowed_regions == ["eu-west-1", "eu-central-1", "us-east-2", "us-west-2"]


@pytest.mark.parametrize("change, expected", [
    (lambda c: c.pop("regzone-baseline:zone_stacks"), "regzone-baseline:zone_stacks: is required for scope account"),
    (lambda c: c.update({"regzone-baseline:scope": "region"}), "regzone-baseline:scope = 'region'"),
    (lambda c: c.update({"regzone-baseline:zone_stacks": ["dev", "dev"]}), "zone_stacks[1] = 'dev': lists a zone stack twice"),
    (lambda c: c.update({"regzone-baseline:zone_stacks": ["organization/dev"]}), "is ambiguous"),
    (lambda c: c.update({"regzone-baseline:break_glass_role": "role/with/slash"}), "break_glass_role = 'role/with/slash'"),
    (lambda c: c.update({"regzone-baseline:organization_trail_arn": "org-trail"}), "organization_trail_arn = 'org-trail'"),
    (lambda c: c.update({"regzone-baseline:service_control_policies": {"units": [
        {"id": "ou-ab12-eu000001", "zone_stacks": ["dev"]}]}}), "service_control_policies: is only for scope organization"),
    (lambda c: c.update({"regzone-baseline:zone_stack": ["dev"]}), "regzone-baseline:zone_stack: unknown key (did you "
                                                                    "mean zone_stacks?)"),
    (lambda c: c.pop("regzone-baseline:autoscaling_service_linked_role"),
     "regzone-baseline:autoscaling_service_linked_role: required: a governed zone has node groups"),
    (lambda c: c.pop("regzone-baseline:key_administrators"),
     "regzone-baseline:key_administrators: is required for scope account and may not be empty"),
    (lambda c: c.update({"regzone-baseline:key_users": []}), "regzone-baseline:key_users: is required for scope account"),
    (lambda c: c.update({"regzone-baseline:key_users": c["regzone-baseline:key_administrators"]}),
     "key_users[0] = 'arn:aws:iam::111122223333:role/regzone-baseline-key-admin': is also in key_administrators"),
    (lambda c: c.update({"regzone-baseline:key_users": [c["regzone-baseline:deployer_role_arn"]]}),
     "key_users[0] = 'arn:aws:iam::111122223333:role/regzone-baseline-deployer': is deployer_role_arn"),
    (lambda c: c.update({"regzone-baseline:key_administrators": ["arn:aws:iam::444455556666:role/admin"]}),
     "key_administrators[0] = 'arn:aws:iam::444455556666:role/admin': is not in the account of deployer_role_arn"),
    (lambda c: c.update({"regzone-baseline:key_users": ["arn:aws:iam::111122223333:group/ops"]}),
     "regzone-baseline:key_users[0] = 'arn:aws:iam::111122223333:group/ops'"),
    (lambda c: c.update({"aws:region": "us-east-1"}), "aws:region = 'us-east-1': the account trail and its WORM bucket "
                                                      "would be outside every governed zone stack's allowed_regions"),
])
def test_account_baseline_errors_name_the_key(account, change, expected):
    change(account)
    assert expected in error_of(account)


def test_a_zone_stack_that_does_not_exist_says_so(account):
    account["regzone-baseline:zone_stacks"] = ["nowhere"]
    assert "stack file not found" in error_of(account) and "nowhere" in error_of(account)


def test_zone_stacks_of_another_account_are_refused(account, tmp_path, dev_config):
    other = {key: value.replace("111122223333", "444455556666") if isinstance(value, str) else value
             for key, value in dev_config.items()}
    write_stack(tmp_path, "dev", dev_config)
    write_stack(tmp_path, "other", yaml.safe_load(yaml.safe_dump(other).replace("111122223333", "444455556666")))
    account["regzone-baseline:zone_stacks"] = ["dev", "other"]
    message = error_of(account, stacks_dir=tmp_path)
    assert "zone_stacks[1] = 'other': deploys into account 444455556666" in message


def test_zone_names_must_be_unique_in_the_account(account, tmp_path, dev_config):
    write_stack(tmp_path, "dev", dev_config)
    write_stack(tmp_path, "again", dev_config)
    account["regzone-baseline:zone_stacks"] = ["dev", "again"]
    assert "zone 'dev-ai' is also a zone of stack 'dev' in the same account" in error_of(account, stacks_dir=tmp_path)


def test_an_autoscaling_role_nobody_reads_is_an_error(account, tmp_path, dev_config):
    dev_config["regzone:zones"][0]["cluster"]["node_groups"] = []
    write_stack(tmp_path, "dev", dev_config)
    assert "autoscaling_service_linked_role = 'create': no governed zone has node groups" in \
        error_of(account, stacks_dir=tmp_path)


@pytest.mark.parametrize("change, expected", [
    (lambda c: c.pop("regzone-baseline:service_control_policies"), "service_control_policies: is required for scope "
                                                                   "organization"),
    (lambda c: c["regzone-baseline:service_control_policies"]["units"][0].update(id="ou-1"),
     "units[0].id = 'ou-1'"),
    (lambda c: c["regzone-baseline:service_control_policies"]["units"].append(
        {"id": "ou-ab12-eu000001", "zone_stacks": ["dev"]}), "units[2].id = 'ou-ab12-eu000001': lists a unit twice"),
    (lambda c: c["regzone-baseline:service_control_policies"].update(other_scps_per_unit=3),
     "other_scps_per_unit = 3"),
    (lambda c: c.update({"regzone-baseline:zone_stacks": ["dev"]}), "zone_stacks: is only for scope account"),
])
def test_organization_baseline_errors_name_the_key(organization, change, expected):
    change(organization)
    assert expected in error_of(organization)


def test_a_missing_baseline_file_says_what_to_write_and_run():
    with pytest.raises(ConfigError) as raised:
        load_baseline("nowhere")
    assert "baseline/Pulumi.nowhere.yaml" in str(raised.value) and "pulumi up -C baseline -s nowhere" in str(raised.value)
