"""The zone config model: valid config parses; each kind of bad config gets one clear message
naming the key, the bad value and what would be valid."""
import pytest

from regzone.config import ConfigError, parse_stack_config


def parse(config):
    return parse_stack_config(config, "stacks/Pulumi.test.yaml")


def error_of(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse(config)
    return str(raised.value)


def zone(config, index=0):
    return config["regzone:zones"][index]


def test_dev_config_parses_with_secure_defaults(dev_config):
    stack = parse(dev_config)
    z = stack.zones[0]
    assert stack.region == "eu-west-1"
    assert z.regulated_ai_zone.ingress == "private_only"
    assert z.regulated_ai_zone.egress.default == "deny"
    assert stack.zone_frameworks(z) == ["GDPR"]
    assert stack.zone_data_classes(z) == ["personal_data", "public"]


def test_seed_block_shapes_are_accepted(dev_config):
    zone(dev_config)["regulated_ai_zone"] = {
        "ingress": "private_only",
        "egress": {"default": "deny", "allowed_destinations": ["model-registry.internal", "feature-store.internal"]},
        "workloads": {"require_signed_images": True, "require_encrypted_volumes": True,
                      "require_runtime_identity": True},
    }
    assert parse(dev_config).zones[0].regulated_ai_zone.egress.allowed_destinations[0] == "model-registry.internal"


def test_unknown_data_class(dev_config):
    zone(dev_config)["workloads"][0]["data_classes"] = ["public", "genomics"]
    message = error_of(dev_config)
    assert "regzone:zones[0].workloads[0].data_classes[1] = 'genomics'" in message
    assert "unknown data class" in message and "personal_data, public" in message


def test_data_class_not_allowed_in_zone(dev_config):
    dev_config["regzone:data_class_policy"]["ephi"] = {"allowed_zones": ["hipaa-ai"]}
    dev_config["regzone:frameworks"] = ["GDPR", "HIPAA"]
    zone(dev_config)["workloads"][0]["data_classes"] = ["ephi"]
    message = error_of(dev_config)
    assert "data_classes[0] = 'ephi'" in message and "not allowed in zone 'dev-ai'" in message
    assert "hipaa-ai" in message


def test_region_outside_residency(dev_config):
    zone(dev_config)["region"] = "us-east-1"
    message = error_of(dev_config)
    assert "regzone:zones[0].region = 'us-east-1'" in message
    assert "outside allowed_regions" in message and "eu-west-1, eu-central-1" in message


def test_unknown_region(dev_config):
    zone(dev_config)["region"] = "eu-west-9"
    assert "unknown AWS region" in error_of(dev_config)


def test_overlapping_cidrs(dev_config):
    second = dict(zone(dev_config), name="dev-ai-2", vpc_cidr="10.40.128.0/17")
    dev_config["regzone:zones"].append(second)
    dev_config["regzone:data_class_policy"]["public"]["allowed_zones"].append("dev-ai-2")
    dev_config["regzone:data_class_policy"]["personal_data"]["allowed_zones"].append("dev-ai-2")
    message = error_of(dev_config)
    assert "regzone:zones[1].vpc_cidr = '10.40.128.0/17'" in message and "overlaps 10.40.0.0/16" in message


@pytest.mark.parametrize("cidr", ["10.40.0.0/26", "10.0.0.0/8"])
def test_cidr_size(dev_config, cidr):
    zone(dev_config)["vpc_cidr"] = cidr
    message = error_of(dev_config)
    assert f"regzone:zones[0].vpc_cidr = '{cidr}'" in message and "/16 to /22" in message


def test_public_cidr_rejected(dev_config):
    zone(dev_config)["vpc_cidr"] = "8.8.0.0/16"
    assert "not a private range" in error_of(dev_config)


def test_az_count_above_region(dev_config):
    zone(dev_config)["az_count"] = 4
    message = error_of(dev_config)
    assert "regzone:zones[0].az_count = 4" in message and "3 Availability Zones of eu-west-1" in message


def test_retention_shorter_than_framework(dev_config):
    dev_config["regzone:frameworks"] = ["GDPR", "SOX"]
    zone(dev_config)["audit_retention_days"] = 400
    message = error_of(dev_config)
    assert "regzone:zones[0].audit_retention_days = 400" in message
    assert "SOX" in message and ">= 2555" in message


def test_data_class_brings_framework_retention(dev_config):
    dev_config["regzone:data_class_policy"]["ephi"] = {"allowed_zones": ["dev-ai"]}
    zone(dev_config)["workloads"][0]["data_classes"] = ["ephi"]
    zone(dev_config)["assurance_level"] = 3  # ephi's minimum
    zone(dev_config)["audit_retention_days"] = 365
    assert "HIPAA" in error_of(dev_config)


def test_default_retention_follows_frameworks(dev_config):
    dev_config["regzone:frameworks"] = ["SOX"]
    stack = parse(dev_config)
    assert stack.zone_retention_days(stack.zones[0]) == 2555


def test_invalid_egress_domain(dev_config):
    zone(dev_config)["regulated_ai_zone"]["egress"]["allowed_destinations"] = ["https://bad/path"]
    message = error_of(dev_config)
    assert "allowed_destinations[0] = 'https://bad/path'" in message and "valid domain" in message


def test_star_wildcard_is_refused_with_the_firewall_form(dev_config):
    """Network Firewall domain lists take `.example.com`, not `*.example.com` (RulesSourceList)."""
    zone(dev_config)["regulated_ai_zone"]["egress"]["allowed_destinations"] = ["*.api.example.com"]
    message = error_of(dev_config)
    assert "regulated_ai_zone.egress.allowed_destinations[0] = '*.api.example.com'" in message
    assert "valid: '.api.example.com'" in message and "api.example.com itself" in message


@pytest.mark.parametrize("domain", [".api.example.com", "model-registry.internal.example.com"])
def test_firewall_domain_forms_are_accepted(dev_config, domain):
    zone(dev_config)["regulated_ai_zone"]["egress"]["allowed_destinations"] = [domain]
    assert parse(dev_config).zones[0].regulated_ai_zone.egress.allowed_destinations == [domain]


@pytest.mark.parametrize("name, accepted", [("*.svc.internal", True), ("svc.internal", True),
                                            (".svc.internal", False)])
def test_certificate_names_take_certificate_wildcards(dev_config, name, accepted):
    zone(dev_config)["pki"]["services"][0]["dns_names"] = [name]
    if accepted:
        assert parse(dev_config).zones[0].pki.services[0].dns_names == [name]
    else:
        assert "dns_names[0] = '.svc.internal': not a valid DNS name for a certificate" in error_of(dev_config)


def test_egress_allow_is_not_permitted(dev_config):
    zone(dev_config)["regulated_ai_zone"]["egress"]["default"] = "allow"
    message = error_of(dev_config)
    assert "egress.default = 'allow'" in message and "'deny'" in message


def test_public_ingress_is_not_permitted(dev_config):
    zone(dev_config)["regulated_ai_zone"]["ingress"] = "public"
    assert "ingress = 'public'" in error_of(dev_config)


def test_typo_is_reported_as_unknown_key(dev_config):
    zone(dev_config)["az_cuont"] = 2
    assert "regzone:zones[0].az_cuont: unknown key" in error_of(dev_config)


def test_missing_required_key(dev_config):
    del dev_config["regzone:owner"]
    assert "regzone:owner: required but not set" in error_of(dev_config)


def test_several_problems_are_all_listed(dev_config):
    del dev_config["regzone:owner"]
    zone(dev_config)["az_cuont"] = 2
    assert "2 problems" in error_of(dev_config)


def test_deployer_role_is_required(dev_config):
    del dev_config["regzone:deployer_role_arn"]
    assert "regzone:deployer_role_arn: required but not set" in error_of(dev_config)


@pytest.mark.parametrize("value", ["arn:aws:iam::111122223333:user/deployer", "arn:aws:sts::111122223333:assumed-role/x/y",
                                   "regzone-deployer"])
def test_deployer_must_be_a_role_arn(dev_config, value):
    dev_config["regzone:deployer_role_arn"] = value
    assert f"regzone:deployer_role_arn = {value!r}" in error_of(dev_config)


def test_the_account_baseline_is_required(dev_config):
    del dev_config["regzone:baseline_stack"]
    assert "regzone:baseline_stack: required but not set" in error_of(dev_config)


@pytest.mark.parametrize("value, expected", [
    ("organization/dev", "is ambiguous"),
    ("acme/regzone/dev", "names project `regzone`; the baseline config is read from this repository's baseline/"),
    ("dev baseline", "is not a stack reference"),
])
def test_the_baseline_reference_names_a_baseline_stack(dev_config, value, expected):
    dev_config["regzone:baseline_stack"] = value
    assert f"regzone:baseline_stack = {value!r}: {expected}" in error_of(dev_config)


@pytest.mark.parametrize("key, value", [("autoscaling_service_linked_role", "create"),
                                        ("registry_settings_owner", "stack"),
                                        ("management_events", {"recorded_by": "stack"})])
def test_account_singletons_are_no_longer_zone_keys(dev_config, key, value):
    """The account baseline owns them (regzone-baseline:*): a zone stack that still sets one is told so."""
    dev_config[f"regzone:{key}"] = value
    message = error_of(dev_config)
    assert f"regzone:{key}: no longer a key of regzone: " in message and "account baseline" in message
    assert "regzone:baseline_stack" in message and "docs/baseline.md" in message and "unknown key" not in message


def test_no_zone_takes_the_baseline_label(dev_config):
    zone(dev_config)["name"] = "regzone-account"
    for rule in dev_config["regzone:data_class_policy"].values():
        rule["allowed_zones"] = ["regzone-account"]
    assert "regzone:zones[0].name = 'regzone-account': 'regzone-account' labels the account baseline" in \
        error_of(dev_config)


@pytest.mark.parametrize("path", [("key_administrators", 0), ("key_users", 0), ("cluster", "admin_role_arns", 0),
                                  ("registry", "promotion_role_arn")])
def test_principals_outside_the_deployer_account_are_refused(dev_config, path):
    """The deploy-time existence check lists the deploying account only."""
    outside = "arn:aws:iam::444455556666:role/elsewhere"
    node = zone(dev_config)
    for part in path[:-2]:
        node = node[part]
    if isinstance(path[-1], int):
        node[path[-2]] = [outside]
    else:
        node[path[-2]][path[-1]] = outside
    key = "regzone:zones[0]" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    assert f"{key} = {outside!r}: is not in the account of deployer_role_arn (111122223333" in error_of(dev_config)


def test_deployer_is_no_key_user(dev_config):
    zone(dev_config)["key_users"] = [dev_config["regzone:deployer_role_arn"]]
    assert "regzone:zones[0].key_users[0]" in error_of(dev_config)
    assert "key_caller_permissions.yaml" in error_of(dev_config)


@pytest.mark.parametrize("duty", ["key_administrators", "key_users"])
@pytest.mark.parametrize("value", [None, []])
def test_key_duties_are_required(dev_config, duty, value):
    """No account-root default: the root in both roles would administer and use the keys."""
    if value is None:
        del zone(dev_config)[duty]
    else:
        zone(dev_config)[duty] = value
    message = error_of(dev_config)
    assert f"regzone:zones[0].{duty}" in message and "is required and may not be empty" in message
    assert "separates nothing" in message
