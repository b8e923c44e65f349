"""Registry config: artifacts are traceable and promotable only where approved; replication stays in region."""
import pytest

from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config


def _registry(config):
    return config["regzone:zones"][0]["registry"]


def _error(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, "stacks/Pulumi.dev.yaml")
    return str(raised.value)


def test_overdue_review_date_is_refused(dev_config):
    _registry(dev_config)["artifacts"][0]["review_date"] = "2020-01-01"
    assert "registry.artifacts[0].review_date = '2020-01-01': is in the past" in _error(dev_config)


def test_artifact_not_approved_for_this_environment_is_refused(dev_config):
    _registry(dev_config)["artifacts"][0]["permitted_environments"] = ["prod"]
    assert "artifacts[0].permitted_environments: does not include this stack's environment 'dev'" in \
        _error(dev_config)


@pytest.mark.parametrize("field, value, expected", [
    ("checksum", "md5:abc", "checksum = 'md5:abc'"),
    ("repository", "models/unknown", "is not one of the registry's repositories"),
    ("signer", "", "signer"),
])
def test_intake_record_fields_are_validated(dev_config, field, value, expected):
    _registry(dev_config)["artifacts"][0][field] = value
    assert expected in _error(dev_config)


def test_promoted_tag_may_not_match_a_mutable_pattern(dev_config):
    _registry(dev_config)["tag_exclusion_patterns"] = ["v1.*"]
    assert "artifacts[0].tag = 'v1.4.0': matches the mutable-tag exclusion 'v1.*'" in _error(dev_config)


@pytest.mark.parametrize("region, expected", [
    ("us-east-1", "replication_regions[0] = 'us-east-1': is not another allowed region; valid: eu-central-1"),
    ("eu-west-1", "replication_regions[0] = 'eu-west-1': is not another allowed region"),
])
def test_replication_only_to_other_allowed_regions(dev_config, region, expected):
    _registry(dev_config)["replication_regions"] = [region]
    assert expected in _error(dev_config)


def test_promotion_role_must_be_a_role_arn(dev_config):
    _registry(dev_config)["promotion_role_arn"] = "*"
    assert "registry.promotion_role_arn = '*'" in _error(dev_config)


def test_registry_without_cluster_needs_pull_roles(dev_config):
    del dev_config["regzone:zones"][0]["cluster"]
    assert "registry.pull_role_arns: is empty and the zone has no cluster" in _error(dev_config)
    _registry(dev_config)["pull_role_arns"] = ["arn:aws:iam::111122223333:role/summarizer"]
    assert parse_stack_config(dev_config, "dev").zones[0].registry.pull_role_arns
