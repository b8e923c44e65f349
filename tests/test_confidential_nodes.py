"""Nodes that can run what their mode promises (issue 14), under mocks with literal arguments
(tests/cluster_program): Nitro Enclaves nodes install and configure the enclave allocator through
MIME multi-part user data; SEV-SNP groups are created only when the region offers SEV-SNP on every
type and the group's EKS AMI boots UEFI, both checked at deploy time."""
import base64
import email
import json

import pytest

from components.enclave_user_data import ALLOCATOR_CONFIG, enclave_user_data
from components.node_groups import STANDARD_AMI_PARAMETER
from regzone.eks_versions import eks_calendar
from regzone.paths import REPO_ROOT
from regzone.preview import recorder
from regzone.preview.mocks import ZoneMocks, _short_hash
from regzone.preview.recorder import record_program

PROGRAM = REPO_ROOT / "tests" / "cluster_program"
pytestmark = pytest.mark.slow  # each test records a program under mocks (seconds)


def record(**options):
    return record_program(PROGRAM, "t", {"aws:region": "eu-west-1", "test:options": json.dumps(options)})


def launch_templates(recording):
    return {r.name: r for r in recording.resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"}


def mime_parts(encoded: str) -> list:
    message = email.message_from_string(base64.b64decode(encoded).decode("ascii"))
    assert message.is_multipart() and message.get_content_type() == "multipart/mixed"
    return message.get_payload()


def test_enclave_nodes_reserve_the_configured_allocation():
    recording = record(groups=[["gpu", "gpu", ["g5.12xlarge"], "nitro_enclaves",
                                {"enclave_cpu_count": 8, "enclave_memory_mib": 16384}],
                               ["cpu", "cpu", ["m6a.2xlarge"], "sev_snp"]])
    templates = launch_templates(recording)
    (part,) = mime_parts(templates["t-gpu-lt"].inputs["userData"])
    assert part.get_content_type() == "text/x-shellscript"
    script = part.get_payload()
    assert script.startswith("#!/bin/bash\nset -euo pipefail\n")
    assert "dnf install -y aws-nitro-enclaves-cli" in script
    assert f"cat > {ALLOCATOR_CONFIG} <<'ALLOCATOR'\n---\nmemory_mib: 16384\ncpu_count: 8\nALLOCATOR" in script
    assert script.index(ALLOCATOR_CONFIG) < script.index("systemctl enable --now nitro-enclaves-allocator.service")
    assert "userData" not in templates["t-cpu-lt"].inputs   # SEV-SNP nodes need nothing of the sort


def test_user_data_does_not_touch_the_kubelet():
    """EKS merges its own part, which starts the kubelet; ours must not (EKS launch template guide)."""
    text = enclave_user_data(cpu_count=2, memory_mib=512)
    assert "kubelet" not in text and "nodeadm" not in text and text.endswith("--==REGZONE-ENCLAVE==--\n")


@pytest.mark.parametrize("extra, message", [
    ({"enclave_cpu_count": 3, "enclave_memory_mib": 2048}, "cpu_count 3 is odd"),
    ({"enclave_cpu_count": 8, "enclave_memory_mib": 2048}, "cpu_count 8 leaves g5.2xlarge (8 vCPUs) fewer than 2"),
    ({"enclave_cpu_count": 2, "enclave_memory_mib": 20000}, "memory_mib 20000 does not fit g5.2xlarge"),
    ({"enclave_cpu_count": None, "enclave_memory_mib": None}, "Nitro Enclaves need enclave_cpu_count"),
])
def test_enclave_reservation_is_checked_by_the_component(extra, message):
    with pytest.raises(ValueError) as raised:
        record(groups=[["gpu", "gpu", ["g5.2xlarge"], "nitro_enclaves", extra]])
    assert message in str(raised.value)


def test_reservation_on_a_sev_snp_group_is_refused():
    with pytest.raises(ValueError) as raised:
        record(groups=[["cpu", "cpu", ["m6a.2xlarge"], "sev_snp", {"enclave_cpu_count": 2, "enclave_memory_mib": 512}]])
    assert "only for Nitro Enclaves, not sev_snp" in str(raised.value)


def test_sev_snp_group_resolves_its_ami_and_checks_the_boot_mode():
    recording = record()
    assert "UEFI AMI" in launch_templates(recording)["t-cpu-lt"].inputs["description"]


def test_sev_snp_group_on_a_legacy_bios_ami_fails_the_deployment(monkeypatch):
    parameter = STANDARD_AMI_PARAMETER.format(version=eks_calendar().default)
    legacy = f"ami-{_short_hash(parameter)}"   # what the stand-in parameter store answers

    class LegacyAmiMocks(ZoneMocks):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs, legacy_bios_amis=frozenset({legacy}))

    monkeypatch.setattr(recorder, "ZoneMocks", LegacyAmiMocks)
    with pytest.raises(Exception) as raised:
        record()
    message = str(raised.value)
    assert f"ConfidentialNodeGroup t-cpu: the EKS AMI {legacy} ({parameter}) has boot mode legacy-bios" in message
    assert "AMD SEV-SNP needs uefi or uefi-preferred" in message


def test_sev_snp_group_in_a_region_without_sev_snp_fails_the_deployment(monkeypatch):
    class NoSevSnpMocks(ZoneMocks):
        def call(self, args):
            if args.token == "aws:ec2/getInstanceTypes:getInstanceTypes":
                return {"instanceTypes": [], "id": self.region}
            return super().call(args)

    monkeypatch.setattr(recorder, "ZoneMocks", NoSevSnpMocks)
    with pytest.raises(Exception) as raised:
        record()
    assert "m6a.2xlarge does not offer AMD SEV-SNP in this region" in str(raised.value)
