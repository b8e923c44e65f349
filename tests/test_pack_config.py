"""The pack config: derived from a stack, validated with errors naming the key, read by every policy."""
import json
import subprocess  # nosec B404
import sys

import pytest

from regulated_ai.policies import all_policies
from regulated_ai.settings import SETTINGS_SCHEMA, SettingsError, parse_settings, settings_from_config
from regzone.config.errors import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.pack_config import derive_pack_config, derive_settings, load_pack_config, validate_pack_config
from regzone.paths import POLICY_PACK_DIR, REPO_ROOT
from tests.helpers import write_stack

EXAMPLE = POLICY_PACK_DIR / "pack-config.example.json"


def regzone(*args):
    return subprocess.run([sys.executable, "-m", "regzone.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)  # nosec B603


def test_derived_settings_follow_the_stack(dev_config):
    dev_config["regzone:frameworks"] = ["GDPR"]
    dev_config["regzone:zones"][0]["regulated_ai_zone"]["egress"]["allowed_destinations"] = ["api.example.com"]
    dev_config["regzone:zones"][0]["workloads"] = [
        {"name": "summarizer", "kind": "inference", "data_classes": ["personal_data", "public"]}]
    settings = derive_settings(parse_stack_config(dev_config, "dev"))
    regions = dev_config["regzone:allowed_regions"]
    assert settings["allowed_regions"] == regions and settings["frameworks"] == ["GDPR"]
    zone = settings["zones"][dev_config["regzone:zones"][0]["name"]]
    assert zone["data_classes"] == ["personal_data", "public"] and "GDPR" in zone["frameworks"]
    assert zone["egress_allowed_destinations"] == ["api.example.com"] and zone["regions"] == regions
    assert settings["data_class_policy"]["personal_data"]["allowed_zones"] == \
        dev_config["regzone:data_class_policy"]["personal_data"]["allowed_zones"]
    assert parse_settings(settings).zone_regions(dev_config["regzone:zones"][0]["name"]) == regions
    # Data-event-only zone trails pass only because the account baseline's management trail is named.
    assert settings["management_trail_arn"] == \
        "arn:aws:cloudtrail:eu-west-1:111122223333:trail/regzone-account-audit"
    # kms-key-policy-separation accepts this role's caller use of the keys (catalog/key_caller_permissions.yaml).
    assert parse_settings(settings).deployer_role_arn == dev_config["regzone:deployer_role_arn"]
    # The cluster administrators the stack names are the only holders of cluster-admin RAZ-K8S-007 admits.
    admins = {arn for z in dev_config["regzone:zones"] for arn in (z.get("cluster") or {}).get("admin_role_arns", [])}
    assert admins and settings["break_glass_subjects"] == sorted(admins)


def test_derived_config_puts_the_settings_under_every_policy(dev_config):
    config = derive_pack_config(parse_stack_config(dev_config, "dev"), ["b-policy", "a-policy"])
    assert list(config) == ["a-policy", "b-policy"] and config["a-policy"] == config["b-policy"]
    assert validate_pack_config(config, "derived", ["a-policy", "b-policy"]) is config


def test_every_policy_declares_the_shared_schema():
    for policy in all_policies():
        assert policy.config_schema is not None and policy.config_schema.properties == SETTINGS_SCHEMA, policy.name


def test_example_config_is_valid_for_the_pack():
    validate_pack_config(json.loads(EXAMPLE.read_text()), str(EXAMPLE), [p.name for p in all_policies()])


@pytest.mark.parametrize("config, expected", [
    ({"required-tags": {"allowed_regions": ["mars-1"]}}, "required-tags.allowed_regions: unknown AWS region"),
    ({"required-tags": {"alowed_regions": ["eu-west-1"]}}, "required-tags.alowed_regions: unknown key (did you mean allowed_regions?)"),
    ({"required-tags": {"zones": {"z": {"regions": []}}}}, "required-tags.zones.z.regions"),
    ({"required-tags": {"min_retention_days": {"HIPAA": 30}}}, "HIPAA = 30 is below what HIPAA requires"),
    ({"required-tags": {"required_tags": ["owner"]}}, "required-tags.required_tags: must include zone, data-class"),
    ({"required-tags": {"enforcementLevel": "warn"}}, "required-tags.enforcementLevel = 'warn'"),
    ({"required-tags": "off"}, "required-tags = 'off': not an enforcement level"),
    ({"all": {"allowed_regions": ["eu-west-1"]}}, "`all` only takes enforcementLevel"),
    ({"no-such-policy": "advisory"}, "no-such-policy: no policy of that name"),
    ([], "expected a JSON object"),
])
def test_bad_config_names_the_key(config, expected):
    with pytest.raises(ConfigError) as err:
        validate_pack_config(config, "cfg.json", ["required-tags"])
    assert expected in str(err.value)


def test_settings_accept_the_floats_the_sdk_sends():
    settings = settings_from_config({"min_retention_days": {"HIPAA": 2190.0}, "zones": {
        "z": {"regions": ["eu-west-1"], "audit_retention_days": 400.0}}})
    assert settings.min_retention_days["HIPAA"] == 2190 and settings.zones["z"].audit_retention_days == 400
    assert settings.retention_days(["HIPAA", "PCI-DSS"]) == 2190


def test_unset_settings_are_strict():
    settings = settings_from_config(None)
    assert settings.allowed_regions == [] and settings.zones == {} and settings.data_class_policy == {}
    assert settings.zone_regions("anything") == [] and settings.min_retention_days["SOX"] == 2555


def test_zone_regions_must_stay_inside_allowed_regions():
    with pytest.raises(SettingsError, match="outside allowed_regions"):
        parse_settings({"allowed_regions": ["eu-west-1"], "zones": {"z": {"regions": ["us-east-1"]}}})


def test_load_pack_config_reports_bad_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{")
    with pytest.raises(ConfigError, match="bad.json"):
        load_pack_config(path)


def test_preview_with_bad_pack_config_exits_2_naming_the_key(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"resource-region-allowed": {"allowed_regions": ["eu-west-9"]}}))
    done = regzone("preview", "--stack", "dev", "--policy-pack-config", str(path))
    assert done.returncode == 2, done.stderr
    assert "resource-region-allowed.allowed_regions: unknown AWS region" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_preview_with_unknown_policy_name_exits_2(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"resource-region-alowed": "advisory"}))
    done = regzone("preview", "--stack", "dev", "--policy-pack-config", str(path))
    assert done.returncode == 2 and "resource-region-alowed: no policy of that name" in done.stderr


@pytest.mark.slow
def test_pack_config_command_writes_a_config_for_every_policy(tmp_path):
    out = tmp_path / "pack.json"
    done = regzone("pack-config", "--stack", "dev", "--output", str(out))
    assert done.returncode == 0, done.stderr
    config = json.loads(out.read_text())
    assert set(config) == {p.name for p in all_policies()}
    assert config["resource-region-allowed"]["allowed_regions"] == ["eu-west-1", "eu-central-1"]


def test_pack_config_command_reports_a_bad_stack_with_exit_2(tmp_path, dev_config):
    dev_config["regzone:allowed_regions"] = ["eu-west-9"]
    write_stack(tmp_path, "bad", dev_config)
    done = regzone("pack-config", "--stack", "bad", "--program", str(tmp_path))
    assert done.returncode == 2 and "regzone:allowed_regions" in done.stderr


@pytest.mark.slow
def test_preview_uses_the_stack_config_by_default_and_a_given_config_instead(tmp_path, dev_config):
    """The derived config allows the stack's regions; a given config replaces it."""
    dev_config["regzone:change_ref"] = "CHG-42"
    write_stack(tmp_path, "dev", dev_config)
    (tmp_path / "__main__.py").write_text((REPO_ROOT / "stacks" / "__main__.py").read_text())
    derived = regzone("preview", "--stack", "dev", "--program", str(tmp_path), "--format", "json")
    assert derived.returncode == 0, derived.stderr
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"resource-region-allowed": {"allowed_regions": ["eu-central-1"]}}))
    done = regzone("preview", "--stack", "dev", "--program", str(tmp_path), "--format", "json",
                   "--policy-pack-config", str(strict))
    assert done.returncode == 1
    policies = {v["policy"] for v in json.loads(done.stdout)["violations"] if v["enforcement"] == "mandatory"}
    assert "resource-region-allowed" in policies


@pytest.mark.parametrize("value", ["arn:aws:iam::111122223333:user/deployer", "regzone-deployer"])
def test_deployer_setting_must_be_a_role_arn(value):
    with pytest.raises(SettingsError) as raised:
        parse_settings({"deployer_role_arn": value})
    assert str(raised.value).startswith("deployer_role_arn:")


def test_derived_baseline_settings_are_the_union_of_its_zone_stacks():
    from regzone.config.baseline import load_baseline
    from regzone.pack_config import derive_baseline_settings
    account = derive_baseline_settings(load_baseline("pci"))
    assert account["allowed_regions"] == ["us-east-2", "us-west-2"] and account["frameworks"] == ["PCI-DSS"]
    assert account["management_trail_arn"].endswith(":111122223333:trail/regzone-account-audit")
    assert account["break_glass_subjects"] == ["arn:aws:iam::*:role/regzone-break-glass"]
    organization = derive_baseline_settings(load_baseline("organization"))
    assert organization["organizational_units"] == {"ou-ab12-eu000001": ["eu-central-1", "eu-west-1"],
                                                    "ou-ab12-us000001": ["us-east-2", "us-west-2"]}
    assert "management_trail_arn" not in organization
    assert parse_settings(organization).organizational_units["ou-ab12-us000001"] == ["us-east-2", "us-west-2"]


def test_pack_config_command_for_the_organization_baseline(tmp_path):
    out = tmp_path / "organization.json"
    done = regzone("pack-config", "--program", "baseline", "--stack", "organization", "--output", str(out))
    assert done.returncode == 0, done.stderr
    config = json.loads(out.read_text())
    assert config["scp-region-deny"]["organizational_units"]["ou-ab12-eu000001"] == ["eu-central-1", "eu-west-1"]
    validate_pack_config(config, str(out), [p.name for p in all_policies()])


def test_unit_regions_are_checked():
    with pytest.raises(SettingsError, match="organizational_units"):
        parse_settings({"organizational_units": {"ou-ab12-eu000001": ["mars-1"]}})


def test_autoscaling_role_of_the_baseline_reaches_the_pack(dev_config):
    """policy-principals-exist accepts the Auto Scaling role a zone's volumes key names: the baseline
    creates or checks it, so to a zone stack it exists; a baseline that creates it declares nothing."""
    from dataclasses import replace

    from regzone.config.baseline import load_baseline
    from regzone.pack_config import derive_baseline_settings
    stack, baseline = parse_stack_config(dev_config, "dev"), load_baseline("dev")
    assert baseline.settings.autoscaling_service_linked_role == "create"
    assert derive_settings(stack, baseline)["existing_service_linked_roles"] == ["autoscaling.amazonaws.com"]
    assert derive_baseline_settings(baseline)["existing_service_linked_roles"] == []
    existing = replace(baseline, settings=baseline.settings.model_copy(
        update={"autoscaling_service_linked_role": "existing"}))
    assert derive_baseline_settings(existing)["existing_service_linked_roles"] == ["autoscaling.amazonaws.com"]
    without = replace(baseline, settings=baseline.settings.model_copy(update={"autoscaling_service_linked_role": None}))
    assert derive_settings(stack, without)["existing_service_linked_roles"] == []
