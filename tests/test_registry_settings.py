"""Registry-wide ECR settings are account+region singletons: a stack creates at most one scanning
and one replication configuration per region, merging every zone's rules, and none when another
stack or baseline owns them (regzone:registry_settings_owner)."""
import copy
import json

import pytest

from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.paths import STACKS_DIR
from regzone.preview.recorder import record_program
from tests.helpers import write_stack

pytestmark = pytest.mark.slow  # records the zone program under mocks
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"


def two_zones(dev_config) -> dict:
    """The dev zone replicating to eu-central-1, plus a second zone (no cluster) in the same region."""
    first = dev_config["regzone:zones"][0]
    first["registry"]["replication_regions"] = ["eu-central-1"]
    second = copy.deepcopy(first)
    second.update(name="dev-two", vpc_cidr="10.41.0.0/16",
                  workloads=[{"name": "two-eval", "kind": "batch_evaluation", "data_classes": ["personal_data"]}])
    dev_config["regzone:data_class_policy"]["personal_data"]["allowed_zones"].append("dev-two")
    del second["cluster"]
    second["registry"] = {"repositories": ["serving/api"], "promotion_role_arn": first["registry"]["promotion_role_arn"],
                          "pull_role_arns": ["arn:aws:iam::111122223333:role/dev-two-workloads"],
                          "replication_regions": ["eu-central-1"]}
    dev_config["regzone:zones"].append(second)
    return dev_config


def record(tmp_path, config):
    write_stack(tmp_path, "two", config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    return record_program(tmp_path, "two", config)


def of_type(recording, token):
    return [r for r in recording.resources if r.type == token]


def test_one_scanning_and_replication_configuration_per_region(tmp_path, dev_config):
    recording = record(tmp_path, two_zones(dev_config))
    scanning = {r.inputs["region"]: r.inputs for r in of_type(recording, SCANNING)}
    assert set(scanning) == {"eu-west-1", "eu-central-1"}  # sources and replicas, once each
    for inputs in scanning.values():
        assert inputs["scanType"] == "ENHANCED"
        (rule,) = inputs["rules"]
        assert rule["scanFrequency"] == "CONTINUOUS_SCAN"
        assert [f["filter"] for f in rule["repositoryFilters"]] == ["dev-ai/*", "dev-two/*"]
    (replication,) = of_type(recording, REPLICATION)
    assert replication.inputs["region"] == "eu-west-1"
    rules = replication.inputs["replicationConfiguration"]["rules"]
    assert [r["repositoryFilters"] for r in rules] == [[{"filter": "dev-ai/", "filterType": "PREFIX_MATCH"}],
                                                      [{"filter": "dev-two/", "filterType": "PREFIX_MATCH"}]]
    assert all(r["destinations"] == [{"region": "eu-central-1", "registryId": "111122223333"}] for r in rules)
    # Replication starts only once the creation templates exist in the destination.
    templates = {r.urn for r in recording.resources
                 if r.type == "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"}
    assert len(templates) == 2 and templates <= set(replication.dependencies)


def test_external_owner_creates_no_registry_settings(tmp_path, dev_config):
    config = two_zones(dev_config)
    config["regzone:registry_settings_owner"] = "external"
    recording = record(tmp_path, config)
    assert of_type(recording, SCANNING) == [] and of_type(recording, REPLICATION) == []
    repos = of_type(recording, "aws:ecr/repository:Repository")
    assert repos and all("regzone:registry-scanning" in r.inputs["tags"] for r in repos)


def test_owner_key_is_validated(dev_config):
    dev_config["regzone:registry_settings_owner"] = "baseline"
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, "dev")
    assert "regzone:registry_settings_owner = 'baseline'" in str(raised.value) and "'external'" in str(raised.value)
