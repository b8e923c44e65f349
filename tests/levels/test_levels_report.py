"""`regzone levels`: per zone its level, which of the level's controls the stack config meets, and what
the next level adds; judged from the zone config and the in-cluster stack files that name the zone."""
import json

import yaml

from regzone.cli import main
from regzone.config import parse_stack_config
from regzone.levels.render import text
from regzone.levels.zone_status import zone_levels
from regzone.paths import BASELINE_DIR, INCLUSTER_DIR
from tests.helpers import write_stack


def levels_of(config, incluster_dir=INCLUSTER_DIR, name="dev"):
    (zone,) = zone_levels(name, parse_stack_config(config, "test"), incluster_dir)
    return zone


def by_id(statuses):
    return {s.id: s for s in statuses}


def test_dev_zone_meets_level_2_and_its_upgrade_path_names_signature_verification(dev_config):
    zone = levels_of(dev_config)
    assert (zone.zone, zone.level, zone.minimum, zone.minimum_set_by) == ("dev-ai", 2, 2, "personal_data")
    assert zone.missing == [] and {c.level for c in zone.controls} == {1, 2}
    assert (zone.next_level, zone.next_title) == (3, "Governance by default")
    adds = by_id(zone.next_adds)
    assert [c.id for c in zone.next_adds if not c.met] == ["RAZ-LVL-002"]
    assert "incluster/Pulumi.dev.yaml does not verify image signatures" in adds["RAZ-LVL-002"].reason
    assert adds["RAZ-CHG-001"].met and "CHG-0001" in adds["RAZ-CHG-001"].reason


def test_missing_needs_are_reported_not_met(dev_config, tmp_path):
    dev_config["regzone:change_ref"] = "unset"
    del dev_config["regzone:zones"][0]["cluster"]
    dev_config["regzone:zones"][0]["registry"]["pull_role_arns"] = ["arn:aws:iam::111122223333:role/dev-ai-workloads"]
    zone = levels_of(dev_config, incluster_dir=tmp_path)
    adds = by_id(zone.next_adds)
    assert not adds["RAZ-CHG-001"].met and "regzone:change_ref is unset" in adds["RAZ-CHG-001"].reason
    assert not adds["RAZ-K8S-002"].met and "the zone has no cluster" in adds["RAZ-K8S-002"].reason
    assert "no in-cluster stack of the zone verifies" in adds["RAZ-LVL-002"].reason
    assert {c.id for c in zone.missing} >= {"RAZ-EKS-001", "RAZ-K8S-006"}  # level 2 needs the private cluster


def test_an_in_cluster_stack_that_verifies_meets_signature_verification(dev_config, tmp_path):
    incluster = yaml.safe_load((INCLUSTER_DIR / "Pulumi.dev.yaml").read_text())
    incluster["config"]["regzone-incluster:verify_image_signatures"] = True
    incluster["config"]["regzone-incluster:signer_public_key"] = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(incluster))
    dev_config["regzone:zones"][0]["assurance_level"] = 3
    zone = levels_of(dev_config, incluster_dir=tmp_path)
    assert zone.missing == []
    assert by_id(zone.controls)["RAZ-LVL-002"].reason.startswith("admission verifies signatures")
    # ... but not for another stack's zone of the same name.
    # (and no organization baseline attaches the SCPs to a stack named staging).
    other = levels_of(dev_config, incluster_dir=tmp_path, name="staging")
    assert {c.id for c in other.missing} == {"RAZ-LVL-002", "RAZ-ORG-002", "RAZ-ORG-003", "RAZ-ORG-004"}
    assert "no organization baseline (regzone-baseline:scope: organization) lists stack staging" in \
        by_id(other.missing)["RAZ-ORG-003"].reason


def test_the_organization_guardrails_are_met_only_through_an_organization_baseline_listing_the_stack(
        dev_config, tmp_path):
    zone = levels_of(dev_config)
    assert "baseline/Pulumi.organization.yaml: ou-ab12-eu000001" in by_id(zone.controls)["RAZ-ORG-003"].reason
    # The account baselines alone (scope account) attach no SCP.
    for name in ("dev", "gdpr-eu"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text((BASELINE_DIR / f"Pulumi.{name}.yaml").read_text())
    (zone,) = zone_levels("dev", parse_stack_config(dev_config, "test"), INCLUSTER_DIR, tmp_path)
    assert [c.id for c in zone.missing] == ["RAZ-ORG-003"]


def test_level_4_has_no_next_level_and_lists_what_no_control_implements(dev_config):
    dev_config["regzone:zones"][0]["assurance_level"] = 4
    zone = levels_of(dev_config)
    assert zone.next_level is None and zone.next_adds == []
    assert {c.id for c in zone.missing} == {"RAZ-LVL-002", "RAZ-LVL-003"}
    assert any("rollback" in p for p in zone.not_yet_controlled)
    report = text("dev", [zone])
    assert "level 4 requires 98 controls: 96 met, 2 missing" in report
    assert "next level: none, level 4 is the highest" in report


def test_cli_text_and_json(capsys, tmp_path):
    assert main(["levels", "--stack", "hipaa"]) == 0
    out = capsys.readouterr().out
    assert "zone clinical-ai: level 3 (Governance by default); data classes ephi, internal (minimum 3, set by ephi)" in out
    assert "upgrade path to level 4 (High-assurance environments): 9 more controls, 8 met already, 1 to do" in out
    assert "MISSING RAZ-LVL-003 Zones at level 4 have no internet egress: the zone allows egress to " \
           "fhir.ehr-vendor.example.com" in out
    report = tmp_path / "levels.json"
    assert main(["levels", "--stack", "pci", "--format", "json", "--output", str(report)]) == 0
    (zone,) = json.loads(report.read_text())["zones"]
    assert (zone["zone"], zone["level"], zone["next_level"], zone["missing"]) == ("cde-fraud", 4, None, [])
    assert {"id", "title", "level", "rationale", "met", "reason"} == set(zone["controls"][0])


def test_cli_config_error_exits_2(capsys, tmp_path, dev_config):
    dev_config["regzone:zones"][0]["assurance_level"] = 1
    write_stack(tmp_path, "low", dev_config)
    assert main(["levels", "--stack", "low", "--program", str(tmp_path)]) == 2
    assert "regzone:zones[0].assurance_level = 1: zone dev-ai is at level 1" in capsys.readouterr().err
