"""`--format sarif`: valid SARIF 2.1.0 that GitHub code scanning accepts, located at the creating line."""
import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from regzone.reports import preview_sarif
from tests.reports.conftest import BROKEN_PROGRAM, line_of

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
GITHUB_ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "example/regzone",
              "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}


@pytest.fixture
def sarif(broken_preview, monkeypatch):
    result, root, stacks = broken_preview
    monkeypatch.setattr(preview_sarif, "REPO_ROOT", root)
    return preview_sarif.as_dict(result, docs_base="", stacks_dir=stacks)


def schema_errors(document):
    return [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft4Validator(SCHEMA).iter_errors(document)]


def results_of(sarif, policy):
    return [r for r in sarif["runs"][0]["results"] if r["ruleId"] == policy]


def test_output_is_valid_sarif_2_1_0(sarif):
    assert sarif["version"] == "2.1.0"
    assert schema_errors(sarif) == []


def test_schema_check_catches_a_broken_document(sarif):
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert schema_errors(broken)


def test_one_rule_per_pack_policy_with_help_and_severity(broken_preview, sarif):
    result, _, _ = broken_preview
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [p.name for p in result.policies]
    rotation = next(r for r in rules if r["id"] == "kms-key-rotation-enabled")
    assert rotation["shortDescription"]["text"].startswith("Customer-managed symmetric KMS keys")
    assert "RAZ-KMS-001" in rotation["fullDescription"]["text"]
    assert "HIPAA 164.312(a)(2)(iv)" in rotation["help"]["text"]
    assert "docs/controls.md#raz-kms-001" in rotation["help"]["text"]
    assert "enable_key_rotation=True" in rotation["help"]["markdown"]
    assert rotation["defaultConfiguration"]["level"] == "error"
    properties = rotation["properties"]
    assert properties["controls"] == ["RAZ-KMS-001"] and properties["severity"] == "high"
    assert properties["tags"] == ["security", "compliance", "RAZ-KMS-001", "GDPR", "HIPAA", "PCI-DSS", "SOX"]
    assert "HIPAA:164.312(a)(2)(iv)" in properties["requirements"]
    assert all(len(r["properties"]["tags"]) <= 10 for r in rules)  # GitHub shows 10, rejects over 20
    assert 7.0 <= float(properties["security-severity"]) < 9.0
    separation = next(r for r in rules if r["id"] == "kms-key-policy-separation")
    assert float(separation["properties"]["security-severity"]) > 9.0  # critical control


def test_result_located_at_the_creating_line(sarif):
    (rotation,) = results_of(sarif, "kms-key-rotation-enabled")
    (location,) = rotation["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "stacks/__main__.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == line_of(BROKEN_PROGRAM, 'aws.kms.Key("no-rotation"')
    (logical,) = location["logicalLocations"]
    assert logical["fullyQualifiedName"].endswith("aws:kms/key:Key::no-rotation")
    assert rotation["level"] == "error" and "[RAZ-KMS-001] KMS key 'no-rotation'" in rotation["message"]["text"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[rotation["ruleIndex"]]["id"] == "kms-key-rotation-enabled"


def test_fingerprints_stable_and_distinct(broken_preview, sarif, monkeypatch):
    result, root, stacks = broken_preview
    again = preview_sarif.as_dict(result, docs_base="", stacks_dir=stacks)
    prints = [r["partialFingerprints"] for r in sarif["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"] for r in again["runs"][0]["results"]]
    values = [p[preview_sarif.FINGERPRINT_KEY] for p in prints]
    assert len(set(values)) == len(values), "two findings would collapse into one alert"
    (rotation,) = results_of(sarif, "kms-key-rotation-enabled")
    urn = rotation["properties"]["urn"]
    assert rotation["partialFingerprints"][preview_sarif.FINGERPRINT_KEY] == \
        preview_sarif.fingerprint("kms-key-rotation-enabled", urn)
    # One key policy fails the same policy three times on the same resource (each of two statements
    # grants both duties, and their principal holds both): still three alerts.
    wildcard = [r for r in results_of(sarif, "kms-key-policy-separation")
                if r["properties"]["urn"].endswith("::wildcard")]
    assert len(wildcard) == 3


def test_fingerprint_depends_on_policy_and_urn_only():
    urn = "urn:pulumi:dev::regzone::aws:kms/key:Key::k"
    assert preview_sarif.fingerprint("p", urn) == preview_sarif.fingerprint("p", urn)
    assert preview_sarif.fingerprint("p", urn) != preview_sarif.fingerprint("q", urn)
    assert preview_sarif.fingerprint("p", urn) != preview_sarif.fingerprint("p", urn + "2")
    assert preview_sarif.fingerprint("p", urn) != preview_sarif.fingerprint("p", urn, 1)


def test_advisory_is_warning_and_stack_finding_points_at_stack_file(broken_preview, monkeypatch):
    result, root, stacks = broken_preview
    monkeypatch.setattr(preview_sarif, "REPO_ROOT", root)
    first = result.violations[0]
    changed = dataclasses.replace(result, violations=[
        dataclasses.replace(first, enforcement="advisory"),
        dataclasses.replace(first, urn="", type="", name="", source=None)])
    document = preview_sarif.as_dict(changed, docs_base="", stacks_dir=stacks)
    advisory, stack_wide = document["runs"][0]["results"]
    assert advisory["level"] == "warning"
    physical = stack_wide["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "stacks/Pulumi.broken.yaml"
    assert physical["region"]["startLine"] == 1
    assert stack_wide["properties"]["urn"] == "urn:pulumi:broken::regzone::pulumi:pulumi:Stack::regzone-broken"
    assert schema_errors(document) == []


def test_unlisted_policy_still_gets_a_rule(broken_preview, monkeypatch):
    result, root, stacks = broken_preview
    orphan = dataclasses.replace(result.violations[0], policy="not-in-pack-info")
    document = preview_sarif.as_dict(dataclasses.replace(result, violations=[orphan]), docs_base="",
                                     stacks_dir=stacks)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    (found,) = document["runs"][0]["results"]
    assert rules[found["ruleIndex"]]["id"] == "not-in-pack-info"
    assert schema_errors(document) == []


def test_help_uri_is_absolute_on_github_actions(broken_preview, monkeypatch):
    result, _, stacks = broken_preview
    for key, value in GITHUB_ENV.items():
        monkeypatch.setenv(key, value)
    driver = preview_sarif.as_dict(result, stacks_dir=stacks)["runs"][0]["tool"]["driver"]
    rotation = next(r for r in driver["rules"] if r["id"] == "kms-key-rotation-enabled")
    assert rotation["helpUri"] == ("https://github.com/example/regzone/blob/0123456789abcdef0123456789abcdef01234567/"
                                   "docs/controls.md#raz-kms-001")
    assert "](https://github.com/example/regzone/blob/" in rotation["help"]["markdown"]


def test_no_help_uri_without_an_absolute_base(broken_preview, monkeypatch):
    result, _, stacks = broken_preview
    for key in GITHUB_ENV:
        monkeypatch.delenv(key, raising=False)
    driver = preview_sarif.as_dict(result, stacks_dir=stacks)["runs"][0]["tool"]["driver"]
    assert all("helpUri" not in rule for rule in driver["rules"])


@pytest.mark.parametrize("on_actions", [True, False])
def test_tool_carries_version_and_information_uri(broken_preview, monkeypatch, on_actions):
    result, _, stacks = broken_preview
    for key, value in GITHUB_ENV.items():
        if on_actions:
            monkeypatch.setenv(key, value)
        else:
            monkeypatch.delenv(key, raising=False)
    driver = preview_sarif.as_dict(result, stacks_dir=stacks)["runs"][0]["tool"]["driver"]
    assert driver["version"] == driver["semanticVersion"] and driver["version"][0].isdigit()
    expected = (f"{GITHUB_ENV['GITHUB_SERVER_URL']}/{GITHUB_ENV['GITHUB_REPOSITORY']}/blob/" if on_actions
                else "file:///")
    assert driver["informationUri"].startswith(expected) and driver["informationUri"].endswith("/README.md")


def test_docs_base_url_needs_all_three_variables():
    assert preview_sarif.docs_base_url(GITHUB_ENV) == \
        "https://github.com/example/regzone/blob/0123456789abcdef0123456789abcdef01234567/"
    assert preview_sarif.docs_base_url({**GITHUB_ENV, "GITHUB_SHA": ""}) is None
