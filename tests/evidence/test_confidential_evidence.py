"""Evidence of confidential compute (issue 14) against moto: running instances of confidential node
groups have their mode on (not only their launch templates), and live enclave key policies carry
the attestation conditions with the measurements the stack file configures. What cannot be read
or compared is an ERROR, never a PASS."""
from __future__ import annotations

import json

import pytest

from regzone.cli import main
from regzone.evidence.command import stack_settings
from regzone.evidence.model import Status
from regzone.paths import STACKS_DIR
from tests.evidence.conftest import STACK_ATTESTATION, run
from tests.evidence.zone import REGION, enclave_policy, launch, seed_zone

INSTANCES = "ec2_instance_confidential_compute"
ENCLAVE = "kms_enclave_key_attestation"


def results(findings):
    """One result per resource: a check's finding is repeated for each control citing it."""
    return sorted({(f.status.value, f.resource, f.message) for f in findings})


def statuses(findings):
    return [(status, message) for status, _, message in results(findings)]


@pytest.fixture
def instances_zone(session):
    return seed_zone(session, services={"instances"})


def test_instances_with_their_mode_pass(session, instances_zone):
    findings = run(session, INSTANCES)
    assert sorted(statuses(findings)) == [("PASS", "running instance launched with nitro_enclaves"),
                                          ("PASS", "running instance launched with sev_snp and booted UEFI")]


@pytest.mark.parametrize("mode, options, message", [
    ("sev_snp", {"on": False}, "CpuOptions.AmdSevSnp is absent (disabled)"),
    ("sev_snp", {"boot": "legacy-bios"}, "it booted legacy-bios, and SEV-SNP needs UEFI"),
    ("nitro_enclaves", {"on": False}, "EnclaveOptions.Enabled is False"),
    ("sev-snp", {}, "which is no confidential mode"),
])
def test_instance_without_its_mode_fails(session, instances_zone, mode, options, message):
    bad = launch(session, "good", mode, **options)
    (failure,) = [r for r in results(run(session, INSTANCES)) if r[0] == "FAIL"]
    assert failure[1].endswith(f"instance/{bad}") and message in failure[2]


def test_unreported_boot_mode_is_an_error(session, instances_zone):
    bad = launch(session, "good", "sev_snp", boot=None)
    (error,) = [r for r in results(run(session, INSTANCES)) if r[0] == "ERROR"]
    assert error[1].endswith(f"instance/{bad}") and "no CurrentInstanceBootMode" in error[2]


def test_instances_outside_confidential_groups_are_not_judged(session, instances_zone):
    launch(session, "good", "none")
    ec2 = session.client("ec2")
    gone = launch(session, "good", "nitro_enclaves", on=False)
    ec2.terminate_instances(InstanceIds=[gone])
    assert len(results(run(session, INSTANCES))) == 2


@pytest.fixture
def kms_zone(session):
    return seed_zone(session, services={"kms"}, enclave_key=True)


def test_enclave_key_with_the_configured_measurements_passes(session, kms_zone):
    (finding,) = run(session, ENCLAVE)
    assert finding.status is Status.PASS and "with the configured measurements" in finding.message


def test_without_the_stack_file_the_measurements_are_not_compared(session, kms_zone):
    (finding,) = run(session, ENCLAVE, attestation=None)
    assert finding.status is Status.ERROR and "pass --stack" in finding.message


def test_unattested_release_fails_whatever_the_stack_file(session, kms_zone):
    document = json.loads(enclave_policy())
    document["Statement"] = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    workloads = next(s for s in document["Statement"] if s["Sid"] == "ZoneWorkloadsInAttestedEnclaves")
    condition = workloads["Condition"]
    condition["StringEqualsIgnoreCaseIfExists"] = condition.pop("StringEqualsIgnoreCase")
    session.client("kms").put_key_policy(KeyId=kms_zone["enclave_key"], PolicyName="default", Policy=json.dumps(document))
    for attestation in (STACK_ATTESTATION, None):
        (finding,) = run(session, ENCLAVE, attestation=attestation)
        assert finding.status is Status.FAIL
        assert "workload roles may call kms:Decrypt without an attestation document" in finding.message


def test_zone_configured_without_attestation_fails(session, kms_zone):
    (finding,) = run(session, ENCLAVE, attestation={"other": (REGION, {})})
    assert finding.status is Status.FAIL and "configures no enclave_attestation" in finding.message


def test_configured_zone_without_an_enclave_key_fails(session, kms_zone):
    session.client("kms").delete_alias(AliasName="alias/good/enclave")
    (finding,) = run(session, ENCLAVE, zone=None)
    assert finding.status is Status.FAIL and "configures enclave_attestation but has no enclave key" in finding.message


def test_stack_file_measurements_and_deployer_reach_the_scan():
    zones, deployer = stack_settings(STACKS_DIR / "Pulumi.hipaa.yaml")
    (region, conditions), = zones.values()
    assert list(zones) == ["clinical-ai"] and region == "us-east-2"
    assert set(conditions) == {"kms:RecipientAttestation:ImageSha384", "kms:RecipientAttestation:PCR8"}
    assert deployer == "arn:aws:iam::111122223333:role/regzone-deployer"
    assert stack_settings(STACKS_DIR / "Pulumi.dev.yaml")[0] == {}


def test_unreadable_stack_file_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert main(["evidence", "--stack", str(tmp_path / "Pulumi.nope.yaml")]) == 2
    assert "--stack: stack file not found" in capsys.readouterr().err
