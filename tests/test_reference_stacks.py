"""The reference stacks (stacks/Pulumi.{gdpr-eu,hipaa,pci}.yaml, and the baselines of their accounts and
organization, baseline/Pulumi.*.yaml) preview with no mandatory violation,
and a deliberately broken variant of each fails: with a config error naming the key (exit 2, nothing
registered) or with the mandatory violation of the policy and control that guard it.

Broken variants that pass config validation are judged with the pack config derived from the
*unmodified* stack: the security team's gate config, which a pull request editing the stack file
does not change."""
import copy
import shutil

import pytest
import yaml

from regzone.cli import main
from regzone.config.loader import load_stack_file
from regzone.pack_config import derive_pack_config
from regzone.paths import BASELINE_DIR, STACKS_DIR
from regzone.preview.references import baseline_outputs
from regzone.preview.run import run_preview
from tests.helpers import write_stack

REFERENCE_STACKS = ("gdpr-eu", "hipaa", "pci")


def stack_config(stack: str) -> dict:
    """A deep copy of a reference stack's `config:` map, for a test to break."""
    return copy.deepcopy(yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"])


def broken_program(tmp_path, stack: str, config: dict):
    """The real zone program next to a broken copy of a stack file."""
    shutil.copy(STACKS_DIR / "__main__.py", tmp_path / "__main__.py")
    write_stack(tmp_path, stack, config)
    return tmp_path


@pytest.fixture(scope="module")
def previews():
    """Each reference stack previewed once for the module (a preview takes seconds)."""
    return {stack: run_preview(stack) for stack in REFERENCE_STACKS}


def gate_config(stack: str, previews) -> dict:
    """The pack config the security team derives from the committed stack."""
    return derive_pack_config(load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml"),
                              [p.name for p in previews[stack].policies])


def mandatory(result, policy: str) -> list:
    return [v for v in result.mandatory if v.policy == policy]


@pytest.mark.slow
@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_reference_stack_previews_with_no_mandatory_violation(stack, previews):
    result = previews[stack]
    assert len(result.recording.resources) > 100  # the whole zone was registered, not an early stop
    assert [(v.policy, v.name, v.message) for v in result.mandatory] == []


@pytest.mark.slow
def test_reference_stacks_demonstrate_their_frameworks(previews):
    """Each stack carries what it exists to show: the framework's audit retention on the WORM bucket,
    SEV-SNP node groups for ePHI, and no internet path in the PCI zone."""
    def inputs(stack, type_):
        return [r.inputs for r in previews[stack].recording.resources if r.type == type_]

    lock = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
    retention = {s: [i["rule"]["defaultRetention"] for i in inputs(s, lock)] for s in REFERENCE_STACKS}
    assert retention["hipaa"] == [{"mode": "COMPLIANCE", "days": 2190}]
    assert retention["pci"] == [{"mode": "COMPLIANCE", "days": 400}]
    templates = inputs("hipaa", "aws:ec2/launchTemplate:LaunchTemplate")
    assert sum(t.get("cpuOptions", {}).get("amdSevSnp") == "enabled" for t in templates) == 2
    assert sum(t.get("enclaveOptions", {}).get("enabled") is True for t in templates) == 1
    assert sum("userData" in t for t in templates) == 1   # the enclave allocator, on the enclave group only
    (enclave_key,) = [k for k in inputs("hipaa", "aws:kms/key:Key") if k["tags"]["purpose"] == "enclave"]
    assert "kms:RecipientAttestation:ImageSha384" in enclave_key["policy"]
    (gpu,) = [g for g in inputs("hipaa", "aws:eks/nodeGroup:NodeGroup") if g["amiType"] == "AL2023_x86_64_NVIDIA"]
    assert gpu["tags"]["regzone:gpu-processing-acknowledgement"] == "RISK-2026-014"
    assert inputs("pci", "aws:ec2/internetGateway:InternetGateway") == []
    assert inputs("pci", "aws:ec2/natGateway:NatGateway") == []
    assert inputs("gdpr-eu", "aws:ec2/internetGateway:InternetGateway")  # egress allow-list path
    assert {p.inputs["region"] for p in previews["gdpr-eu"].recording.resources
            if p.type == "pulumi:providers:aws"} == {"eu-central-1"}


def test_gdpr_zone_outside_the_eu_is_a_config_error(tmp_path, capsys):
    config = stack_config("gdpr-eu")
    config["regzone:zones"][0]["region"] = "us-east-1"
    write_stack(tmp_path, "gdpr-eu", config)
    (tmp_path / "__main__.py").write_text("raise SystemExit('must not run')\n")
    assert main(["preview", "--stack", "gdpr-eu", "--program", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "regzone:zones[0].region = 'us-east-1': is outside allowed_regions" in err
    assert "valid: eu-central-1, eu-west-1" in err


@pytest.mark.slow
def test_gdpr_stack_widened_to_a_us_region_is_blocked_by_the_gate(tmp_path, previews, monkeypatch):
    """A pull request that adds us-east-1 to allowed_regions passes config validation, and even with
    the account baseline widened too (without it the zone program stops first: the baseline does not
    govern us-east-1), the gate's config (from the committed stack) is EU-only: residency blocks
    every resource."""
    def widened_baseline(project, config, source):
        outputs = baseline_outputs("gdpr-eu", source)
        for exported in outputs.values():
            exported["allowed_regions"].append("us-east-1")
        return outputs

    monkeypatch.setattr("regzone.preview.run.referenced_outputs", widened_baseline)
    config = stack_config("gdpr-eu")
    config["regzone:allowed_regions"].append("us-east-1")
    config["regzone:zones"][0]["region"] = "us-east-1"
    config["regzone:zones"][0]["registry"]["replication_regions"] = []
    result = run_preview("gdpr-eu", stacks_dir=broken_program(tmp_path, "gdpr-eu", config),
                         pack_config=gate_config("gdpr-eu", previews))
    blocked = mandatory(result, "resource-region-allowed")
    assert any(v.type == "pulumi:providers:aws" and "us-east-1" in v.message for v in blocked)
    assert blocked[0].controls == ["RAZ-RES-001"]


@pytest.mark.parametrize(("break_it", "key", "problem"), [
    (lambda z: z.update(audit_retention_days=365), "regzone:zones[0].audit_retention_days = 365",
     "is shorter than HIPAA requires; valid: >= 2190 days"),
    (lambda z: z["cluster"]["node_groups"][1].update(confidential="none"),
     "regzone:zones[0].cluster.node_groups[1].confidential = 'none'",
     "data class ephi requires confidential compute"),
    (lambda z: z.pop("enclave_attestation"), "regzone:zones[0].enclave_attestation",
     "is required: data class ephi requires confidential compute"),
    (lambda z: z["cluster"]["node_groups"][0].pop("gpu_processing_acknowledgement"),
     "regzone:zones[0].cluster.node_groups[0].gpu_processing_acknowledgement", "is required: data class ephi"),
], ids=["retention-365", "node-group-not-confidential", "no-enclave-attestation", "gpu-not-acknowledged"])
def test_hipaa_broken_variants_are_config_errors(tmp_path, capsys, break_it, key, problem):
    config = stack_config("hipaa")
    break_it(config["regzone:zones"][0])
    write_stack(tmp_path, "hipaa", config)
    (tmp_path / "__main__.py").write_text("raise SystemExit('must not run')\n")
    assert main(["preview", "--stack", "hipaa", "--program", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert key in err and problem in err


@pytest.mark.parametrize(("stack", "level"), [("gdpr-eu", 3), ("hipaa", 3), ("pci", 4)])
def test_reference_stacks_declare_a_level_their_classes_allow(stack, level):
    parsed = load_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml")
    (zone,) = parsed.zones
    assert zone.assurance_level == level >= parsed.zone_minimum_level(zone)[0]


def test_pci_below_the_cardholder_minimum_is_a_config_error(tmp_path, capsys):
    config = stack_config("pci")
    config["regzone:zones"][0]["assurance_level"] = 2
    write_stack(tmp_path, "pci", config)
    (tmp_path / "__main__.py").write_text("raise SystemExit('must not run')\n")
    assert main(["preview", "--stack", "pci", "--program", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "regzone:zones[0].assurance_level = 2: zone cde-fraud is at level 2, but it holds data class " \
           "cardholder_data, which needs level 3 (Governance by default) or higher" in err
    assert "valid: 3, 4" in err


@pytest.mark.slow
def test_pci_level_4_zone_opened_to_the_internet_is_blocked_by_its_level(tmp_path):
    """An allow-list entry that is no LLM API passes the class rules, but level 4 allows no internet egress:
    the allow-list and the internet path the zone network builds for it are blocked, naming the level."""
    config = stack_config("pci")
    config["regzone:zones"][0]["regulated_ai_zone"]["egress"] = {
        "default": "deny", "air_gapped": False, "allowed_destinations": ["feeds.example.com"]}
    result = run_preview("pci", stacks_dir=broken_program(tmp_path, "pci", config))
    blocked = mandatory(result, "assurance-level-no-internet-egress")
    assert blocked and all(v.controls == ["RAZ-LVL-003"] for v in blocked)
    assert all("level 4 (High-assurance environments)" in v.message for v in blocked)
    assert any("allow-list names feeds.example.com" in v.message for v in blocked)
    assert {v.type for v in blocked} >= {"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway"}


@pytest.mark.slow
def test_hipaa_stack_dropping_confidential_compute_is_blocked_by_the_gate(tmp_path, previews):
    """Dropping the ePHI requirement from the stack file lets an ordinary CPU node group through
    config validation; the gate, which keeps the committed requirement, blocks that node group."""
    config = stack_config("hipaa")
    del config["regzone:data_class_policy"]["ephi"]["require_confidential_compute"]
    zone = config["regzone:zones"][0]
    zone["cluster"]["node_groups"][1]["confidential"] = "none"
    # Without the requirement, the acknowledgement and the enclave key are keys nobody needs.
    zone["cluster"]["node_groups"][0].pop("gpu_processing_acknowledgement")
    zone.pop("enclave_attestation")
    result = run_preview("hipaa", stacks_dir=broken_program(tmp_path, "hipaa", config),
                         pack_config=gate_config("hipaa", previews))
    blocked = mandatory(result, "eks-node-group-confidential-compute")
    assert [v.name for v in blocked] == ["clinical-ai-cpu-train-ng"]
    assert blocked[0].controls == ["RAZ-CMP-004"] and "ephi" in blocked[0].message
    # ePHI would reach the GPU parents unacknowledged, and its keys would not wait for attestation.
    assert [v.name for v in mandatory(result, "eks-gpu-node-group-acknowledgement")] == ["clinical-ai-gpu-inference-ng"]
    (no_key,) = mandatory(result, "kms-enclave-key-attested-release")
    assert "zone clinical-ai holds data class ephi" in no_key.message and no_key.controls == ["RAZ-CMP-008"]


@pytest.mark.slow
def test_pci_allow_list_with_an_llm_api_is_blocked(tmp_path):
    """cardholder_data prohibits external LLM calls: opening the air gap for api.openai.com is blocked
    by the stack's own derived config (no gate config needed)."""
    config = stack_config("pci")
    config["regzone:zones"][0]["regulated_ai_zone"]["egress"] = {
        "default": "deny", "air_gapped": False, "allowed_destinations": ["api.openai.com"]}
    result = run_preview("pci", stacks_dir=broken_program(tmp_path, "pci", config))
    blocked = mandatory(result, "zone-data-class-requirements")
    assert blocked and all(v.controls == ["RAZ-DCP-002"] for v in blocked)
    messages = [v.message for v in blocked if "'api.openai.com' (LLM API api.openai.com)" in v.message]
    # Both the zone's registered allow-list and the firewall rule group built from it are blocked.
    assert any("zone 'cde-fraud' allows egress" in m for m in messages)
    assert any("'cde-fraud-network-egress-allowlist' allows egress" in m for m in messages)


BASELINE_STACKS = ("dev", "gdpr-eu", "hipaa", "pci", "organization")


@pytest.mark.slow
@pytest.mark.parametrize("stack", BASELINE_STACKS)
def test_reference_baseline_previews_with_no_violation(stack):
    """Each account baseline (one per reference zone stack's account) and the organization baseline."""
    result = run_preview(stack, stacks_dir=BASELINE_DIR)
    assert result.recording.project == "regzone-baseline" and result.recording.resources
    assert [(v.policy, v.name, v.message) for v in result.violations] == []


def test_a_baseline_outside_its_zone_stacks_regions_is_a_config_error(tmp_path, capsys):
    config = yaml.safe_load((BASELINE_DIR / "Pulumi.gdpr-eu.yaml").read_text())["config"]
    config["aws:region"] = "us-east-1"
    write_stack(tmp_path, "gdpr-eu", config)
    (tmp_path / "Pulumi.yaml").write_text((BASELINE_DIR / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text("raise SystemExit('must not run')\n")
    assert main(["preview", "--stack", "gdpr-eu", "--program", str(tmp_path)]) == 2
    assert "aws:region = 'us-east-1': the account trail and its WORM bucket would be outside" in capsys.readouterr().err
