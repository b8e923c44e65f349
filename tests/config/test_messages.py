"""Config errors point the right way: a key in a namespace nothing reads, a seed block at the wrong
level, scaling bounds, an unquoted version, unknown keys, stack names and pack settings, empty files."""
from __future__ import annotations

import json

import pytest
import yaml

from regzone.cli import main
from regzone.config import ConfigError, parse_stack_config
from regzone.config.loader import read_stack_file
from regzone.pack_config import validate_pack_config


def error_of(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, "stacks/Pulumi.test.yaml")
    return str(raised.value)


def test_provider_namespaces_come_from_the_installed_sdks():
    from regzone.config.loader import provider_namespaces
    assert {"aws", "kubernetes", "tls"} <= provider_namespaces()
    assert "policy" not in provider_namespaces()   # pulumi-policy is not a resource provider


@pytest.mark.parametrize("key, expected", [
    ("regzon:frameworks", "regzon:frameworks: unknown config namespace 'regzon', so nothing reads this key; "
                          "did you mean regzone:frameworks?"),
    ("Regzone:frameworks", "did you mean regzone:frameworks?"),
    ("frameworks", "frameworks: config keys need a namespace; valid: regzone:frameworks"),
    ("awss:region", "did you mean aws:region?"),
    ("datadog:apiKey", "known namespaces: aws, kubernetes, pulumi, regzone, tls"),
])
def test_a_key_nothing_reads_is_an_error_naming_it(dev_config, key, expected):
    dev_config[key] = dev_config.pop("regzone:frameworks")
    assert expected in error_of(dev_config)


def test_provider_and_engine_keys_are_accepted(dev_config):
    dev_config.update({"kubernetes:context": "x", "tls:x": "y", "pulumi:tags": {"team": "ai"}})
    assert parse_stack_config(dev_config, "stacks/Pulumi.test.yaml").frameworks == ["GDPR"]


def test_seed_block_at_stack_level_says_it_belongs_under_zones(dev_config):
    dev_config["regzone:regulated_ai_zone"] = {"ingress": "private_only"}
    assert "regzone:regulated_ai_zone: unknown key here: regulated_ai_zone is set per zone, under each entry of " \
           "regzone:zones (zones[].regulated_ai_zone)" in error_of(dev_config)


def test_unknown_key_names_the_near_miss_and_the_valid_keys(dev_config):
    dev_config["regzone:zones"][0]["az_cuont"] = 2
    message = error_of(dev_config)
    assert "regzone:zones[0].az_cuont: unknown key (did you mean az_count?); valid: assurance_level, audit_retention_days, az_count" \
        in message


def test_scaling_min_above_max_names_min_size(dev_config):
    group = dev_config["regzone:zones"][0]["cluster"]["node_groups"][0]
    group["scaling"] = {"min_size": 3, "desired_size": 2, "max_size": 2}
    message = error_of(dev_config)
    assert "scaling.min_size = 3: is greater than max_size (2)" in message and "desired_size" not in message


def test_unquoted_kubernetes_version_says_quote_it(dev_config):
    dev_config["regzone:zones"][0]["cluster"]["kubernetes_version"] = yaml.safe_load("1.30")
    assert "kubernetes_version = 1.3: is a number because YAML reads an unquoted version as one" \
           in error_of(dev_config)


def test_unknown_stack_lists_the_stacks(capsys):
    assert main(["pack-config", "--stack", "prod"]) == 2
    assert "stacks in" in (err := capsys.readouterr().err) and "dev, gdpr-eu, hipaa, pci" in err


def test_empty_stack_file_and_empty_config_get_their_own_messages(tmp_path):
    (tmp_path / "Pulumi.blank.yaml").write_text("")
    (tmp_path / "Pulumi.bare.yaml").write_text("config:\n")
    with pytest.raises(ConfigError, match="the file is empty"):
        read_stack_file(tmp_path / "Pulumi.blank.yaml")
    with pytest.raises(ConfigError, match="`config:` is empty"):
        read_stack_file(tmp_path / "Pulumi.bare.yaml")


def test_unknown_pack_setting_lists_the_valid_settings():
    with pytest.raises(ConfigError) as raised:
        validate_pack_config({"required-tags": {"zones": {"dev-ai": {"regionz": ["eu-west-1"]}}}}, "policy pack config x.json")
    assert "policy pack config x.json: required-tags.zones.dev-ai.regionz: unknown key (did you mean regions?); " \
           "valid: assurance_level, audit_retention_days, data_classes, egress_allowed_destinations, frameworks, regions" in str(raised.value)


def test_pack_config_errors_name_the_file(tmp_path, capsys):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps({"no-such-policy": "advisory"}))
    assert main(["preview", "--stack", "dev", "--policy-pack-config", str(path)]) == 2
    assert f"policy pack config {path}: no-such-policy: no policy of that name" in capsys.readouterr().err


def test_unquoted_kubernetes_version_is_the_only_problem(dev_config):
    dev_config["regzone:zones"][0]["cluster"]["kubernetes_version"] = yaml.safe_load("1.35")
    message = error_of(dev_config)
    assert "(1 problem)" in message and "addons" not in message
