"""Assurance levels: the levels data is validated against the catalog on load, every zone declares
its level, and a zone below the minimum of the data classes it holds is refused, naming the zone,
the class and the level it needs."""
import copy

import pytest

from regzone.assurance_levels import LEVELS_FILE, assurance_levels, parse_levels
from regzone.catalog import load_catalog
from regzone.catalog_files import load_catalog_yaml
from regzone.config import ConfigError, parse_stack_config


def error_of(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, "stacks/Pulumi.test.yaml")
    return str(raised.value)


def zone(config):
    return config["regzone:zones"][0]


def test_missing_level_is_refused_naming_the_key_and_the_valid_levels(dev_config):
    del zone(dev_config)["assurance_level"]
    message = error_of(dev_config)
    assert "regzone:zones[0].assurance_level: is required" in message
    assert "valid: 1 (Basic control hygiene), 2 (Regulated workload zones), 3 (Governance by default), " \
           "4 (High-assurance environments)" in message


@pytest.mark.parametrize("level", [0, 5, "high"])
def test_level_outside_1_to_4_is_refused(dev_config, level):
    zone(dev_config)["assurance_level"] = level
    assert "regzone:zones[0].assurance_level" in error_of(dev_config)


def test_zone_below_its_class_minimum_names_zone_class_and_level(dev_config):
    zone(dev_config)["assurance_level"] = 1
    message = error_of(dev_config)
    assert "regzone:zones[0].assurance_level = 1: zone dev-ai is at level 1, but it holds data class " \
           "personal_data, which needs level 2 (Regulated workload zones) or higher" in message
    assert "valid: 2, 3, 4" in message


def test_strictest_class_sets_the_minimum(dev_config):
    dev_config["regzone:data_class_policy"]["cardholder_data"] = {"allowed_zones": ["dev-ai"]}
    zone(dev_config)["workloads"][0]["data_classes"] = ["public", "cardholder_data"]
    message = error_of(dev_config)
    assert "holds data class cardholder_data, which needs level 3 (Governance by default)" in message
    zone(dev_config)["assurance_level"] = 3
    stack = parse_stack_config(dev_config, "test")
    assert stack.zone_minimum_level(stack.zones[0]) == (3, "cardholder_data")


def test_config_raises_a_catalog_minimum_but_cannot_lower_it(dev_config):
    dev_config["regzone:data_class_policy"]["personal_data"]["min_assurance_level"] = 3
    assert "holds data class personal_data, which needs level 3" in error_of(dev_config)
    dev_config["regzone:data_class_policy"]["personal_data"]["min_assurance_level"] = 1
    message = error_of(dev_config)
    assert "regzone:data_class_policy.personal_data.min_assurance_level = 1: is below the catalog's minimum " \
           "for personal_data, level 2" in message


def test_class_unknown_to_the_catalog_must_set_its_minimum(dev_config):
    dev_config["regzone:data_class_policy"]["genomics"] = {"allowed_zones": ["dev-ai"]}
    zone(dev_config)["workloads"][0]["data_classes"] = ["genomics"]
    message = error_of(dev_config)
    assert "regzone:data_class_policy.genomics.min_assurance_level: is required: genomics is not a data class " \
           "of the catalog" in message
    dev_config["regzone:data_class_policy"]["genomics"]["min_assurance_level"] = 4
    assert "holds data class genomics, which needs level 4 (High-assurance environments)" in error_of(dev_config)
    zone(dev_config)["assurance_level"] = 4
    assert parse_stack_config(dev_config, "test").zones[0].assurance_level == 4


# ---- the levels data ---------------------------------------------------------------------------

def levels_document() -> dict:
    return copy.deepcopy(load_catalog_yaml(LEVELS_FILE))


def levels_error(document) -> str:
    with pytest.raises(ValueError) as raised:
        parse_levels(document, load_catalog())
    return str(raised.value)


def test_each_level_includes_the_levels_below():
    levels = assurance_levels()
    required = [{entry.control for _, entry in levels.required(n)} for n in (1, 2, 3, 4)]
    assert required[0] < required[1] < required[2] < required[3]
    assert {"RAZ-CHG-001", "RAZ-AUD-001", "RAZ-LVL-002"} <= required[2] - required[1]
    assert "RAZ-LVL-003" in required[3] - required[2]
    # Data classes that need approval gates and immutable audit sit at the level that requires them.
    assert {c: levels.data_class_minimums[c].level for c in ("ephi", "cardholder_data", "personal_data")} == \
        {"ephi": 3, "cardholder_data": 3, "personal_data": 2}


def test_a_control_not_in_the_catalog_is_refused():
    document = levels_document()
    document["levels"][1]["controls"].append({"control": "RAZ-XYZ-001", "rationale": "typo"})
    assert "level 2 names RAZ-XYZ-001, which is not in catalog/controls.yaml" in levels_error(document)


def test_a_control_named_at_two_levels_is_refused():
    """A higher level re-listing (or dropping and re-adding) a lower level's control is ambiguous."""
    document = levels_document()
    document["levels"][3]["controls"].append({"control": "RAZ-KMS-001", "rationale": "again"})
    assert "RAZ-KMS-001 is placed twice (level 1 and level 4)" in levels_error(document)


def test_a_catalog_control_in_no_level_is_refused():
    document = levels_document()
    document["levels"][2]["controls"] = [c for c in document["levels"][2]["controls"]
                                         if c["control"] != "RAZ-AUD-001"]
    assert "catalog controls in no level: RAZ-AUD-001" in levels_error(document)


def test_levels_out_of_order_are_refused():
    document = levels_document()
    document["levels"][2], document["levels"][3] = document["levels"][3], document["levels"][2]
    assert "levels must be listed once each, in order: [1, 2, 3, 4]" in levels_error(document)


def test_every_catalog_data_class_has_a_minimum():
    document = levels_document()
    del document["data_class_minimums"]["ephi"]
    assert "missing: ['ephi']" in levels_error(document)


def test_an_unknown_need_is_refused():
    document = levels_document()
    document["levels"][0]["controls"][0]["needs"] = "kubernetes"
    assert "needs" in levels_error(document)


def test_higher_levels_rehearse_their_rollback_at_least_as_often():
    levels = assurance_levels()
    assert [level.rollback_rehearsal_days for level in levels.levels] == [None, 365, 90, 30]
    assert levels.rollback_objective_minutes == 15
    document = levels_document()
    document["levels"][3]["rollback_rehearsal_days"] = 120
    assert ("level 4 rehearses its rollback every 120 days, less often than level 3 (90 days)"
            in levels_error(document))


def test_the_rehearsal_table_of_the_rollback_docs_is_the_levels_data():
    from regzone.paths import REPO_ROOT

    text = (REPO_ROOT / "docs" / "rollback.md").read_text(encoding="utf-8")
    for level in assurance_levels().levels:
        every = f"{level.rollback_rehearsal_days} days" if level.rollback_rehearsal_days else "no cadence set"
        assert f"| {level.level} | {every} |" in text
    assert f"done within {assurance_levels().rollback_objective_minutes} minutes" in text
