"""Config rules of confidential compute (issue 14): enclave reservations that fit the instance type,
attestation measurements in KMS's format, device plugin images promoted into the zone registry, and
the acknowledgement without which a class requiring confidential compute never reaches a GPU group.
Each error names the key and what would be valid."""
import pytest

from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.confidential_modes import confidential_modes, gpu_parent_gaps
from regzone.device_plugins import device_plugins, plugins_for
from regzone.instance_types import enclave_allocation_problem

IMAGE = "ab" * 48
SOURCE = "stacks/Pulumi.dev.yaml"


def _zone(config):
    return config["regzone:zones"][0]


def _groups(config):
    return _zone(config)["cluster"]["node_groups"]


def _error(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, SOURCE)
    return str(raised.value)


def _strict(config, ack=True, attestation=True):
    """personal_data (held by both dev groups) requires confidential compute."""
    config["regzone:data_class_policy"]["personal_data"]["require_confidential_compute"] = True
    if attestation:
        _zone(config)["enclave_attestation"] = {"image_sha384": [IMAGE]}
    if ack:
        _groups(config)[0]["gpu_processing_acknowledgement"] = {
            "data_classes": ["personal_data"], "accepted_gaps": gpu_parent_gaps(), "approval": "RISK-1",
            "approved_by": "dpo@example.com", "review_date": "2099-01-01"}


# --- enclave reservation (allocator.yaml) -------------------------------------------------------

def test_nitro_groups_get_the_default_reservation(dev_config):
    gpu, cpu = parse_stack_config(dev_config, SOURCE).zones[0].cluster.node_groups
    assert (gpu.enclave_allocation.cpu_count, gpu.enclave_allocation.memory_mib) == (2, 2048)
    assert cpu.enclave_allocation is None   # sev_snp


@pytest.mark.parametrize("enclave, expected", [
    ({"cpu_count": 3}, "cpu_count 3 is odd: enclaves take whole cores"),
    ({"cpu_count": 8}, "cpu_count 8 leaves g5.2xlarge (8 vCPUs) fewer than 2 vCPUs; valid: 2..6"),
    ({"memory_mib": 20000}, "memory_mib 20000 does not fit g5.2xlarge (32768 MiB); valid: 64..16384"),
    ({"memory_mib": 32}, "memory_mib = 32: Input should be greater than or equal to 64"),
])
def test_reservation_must_fit_the_instance_type(dev_config, enclave, expected):
    _groups(dev_config)[0]["enclave"] = enclave
    assert expected in _error(dev_config)
    assert "regzone:zones[0].cluster.node_groups[0].enclave" in _error(dev_config)


def test_reservation_is_checked_against_every_instance_type(dev_config):
    _groups(dev_config)[0].update(instance_types=["g5.12xlarge", "g5.xlarge"], enclave={"cpu_count": 4})
    assert "cpu_count 4 leaves g5.xlarge (4 vCPUs) fewer than 2 vCPUs; valid: 2..2" in _error(dev_config)


def test_reservation_on_a_sev_snp_group_is_a_key_nobody_reads(dev_config):
    _groups(dev_config)[1]["enclave"] = {"cpu_count": 2}
    assert ("node_groups[1].enclave" in _error(dev_config)
            and "is only read for confidential: nitro_enclaves groups, and this group is sev_snp" in _error(dev_config))


def test_reservation_limits_from_the_catalog():
    assert enclave_allocation_problem("c6a.xlarge", cpu_count=2, memory_mib=4096) is None
    assert "valid: 64..4096" in enclave_allocation_problem("c6a.xlarge", cpu_count=2, memory_mib=4097)
    assert "not in catalog/instance_types.yaml" in enclave_allocation_problem("x9.huge", cpu_count=2, memory_mib=64)


# --- attestation measurements -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("ab" * 47, "is not a SHA-384 measurement; valid: 96 hexadecimal characters"),
    ("zz" * 48, "is not a SHA-384 measurement"),
    ("0" * 96, "is all zeros, the measurement of every debug-mode enclave"),
])
def test_measurements_are_sha384_of_a_production_image(dev_config, value, expected):
    _zone(dev_config)["enclave_attestation"] = {"image_sha384": [value]}
    message = _error(dev_config)
    assert "regzone:zones[0].enclave_attestation.image_sha384[0]" in message and expected in message


def test_measurements_are_normalised_and_a_single_pcr_value_is_a_list(dev_config):
    _zone(dev_config)["enclave_attestation"] = {"image_sha384": [IMAGE.upper()], "pcrs": {"PCR8": "cd" * 48}}
    attestation = parse_stack_config(dev_config, SOURCE).zones[0].enclave_attestation
    assert attestation.conditions() == {"kms:RecipientAttestation:ImageSha384": [IMAGE],
                                        "kms:RecipientAttestation:PCR8": ["cd" * 48]}


def test_pcr_indices_are_those_of_nitro_enclaves(dev_config):
    _zone(dev_config)["enclave_attestation"] = {"pcrs": {"PCR7": IMAGE}}
    assert "enclave_attestation.pcrs.PCR7" in _error(dev_config)


def test_an_attestation_that_measures_nothing_is_refused(dev_config):
    _zone(dev_config)["enclave_attestation"] = {}
    assert "enclave_attestation.image_sha384: is empty and so is pcrs, so any enclave would get the key" in _error(dev_config)


def test_a_zone_holding_a_strict_class_needs_attestation(dev_config):
    _strict(dev_config, attestation=False)
    message = _error(dev_config)
    assert "regzone:zones[0].enclave_attestation: is required: data class personal_data requires confidential" \
        in message


def test_attestation_needs_a_node_group_that_runs_enclaves(dev_config):
    _zone(dev_config)["enclave_attestation"] = {"image_sha384": [IMAGE]}
    _groups(dev_config)[0]["confidential"] = "none"
    assert "no node group of the zone runs Nitro Enclaves, so no enclave could attest" in _error(dev_config)


def test_attestation_in_a_zone_without_strict_classes_is_allowed(dev_config):
    _zone(dev_config)["enclave_attestation"] = {"image_sha384": [IMAGE]}
    assert parse_stack_config(dev_config, SOURCE).zones[0].enclave_attestation.image_sha384 == [IMAGE]


# --- GPU processing of classes that require confidential compute --------------------------------

def test_gpu_group_needs_the_acknowledgement(dev_config):
    _strict(dev_config, ack=False)
    message = _error(dev_config)
    assert "node_groups[0].gpu_processing_acknowledgement: is required: data class personal_data" in message
    for gap in gpu_parent_gaps():
        assert gap in message


def test_acknowledgement_must_accept_every_gap(dev_config):
    _strict(dev_config)
    ack = _groups(dev_config)[0]["gpu_processing_acknowledgement"]
    ack["accepted_gaps"] = [g for g in gpu_parent_gaps() if g != "memory_not_encrypted"]
    assert "gpu_processing_acknowledgement.accepted_gaps: does not accept memory_not_encrypted" in _error(dev_config)


def test_acknowledgement_names_only_catalogued_gaps(dev_config):
    _strict(dev_config)
    _groups(dev_config)[0]["gpu_processing_acknowledgement"]["accepted_gaps"].append("everything_is_fine")
    assert "names everything_is_fine, which is not a gap of GPU parents" in _error(dev_config)


def test_acknowledgement_names_exactly_the_strict_classes(dev_config):
    _strict(dev_config)
    _groups(dev_config)[0]["gpu_processing_acknowledgement"]["data_classes"] = ["public"]
    assert "gpu_processing_acknowledgement.data_classes" in _error(dev_config)


def test_acknowledgement_review_must_not_be_overdue(dev_config):
    _strict(dev_config)
    _groups(dev_config)[0]["gpu_processing_acknowledgement"]["review_date"] = "2020-01-01"
    assert "review_date = '2020-01-01': is in the past" in _error(dev_config)


def test_acknowledgement_approval_must_fit_a_tag_value(dev_config):
    _strict(dev_config)
    _groups(dev_config)[0]["gpu_processing_acknowledgement"]["approval"] = "RISK-1; see <wiki>"
    assert "gpu_processing_acknowledgement.approval" in _error(dev_config)


def test_acknowledgement_where_nothing_needs_it_is_refused(dev_config):
    _groups(dev_config)[0]["gpu_processing_acknowledgement"] = {
        "data_classes": ["personal_data"], "accepted_gaps": gpu_parent_gaps(), "approval": "RISK-1",
        "approved_by": "dpo@example.com", "review_date": "2099-01-01"}
    assert "is only read for gpu groups that may run a class requiring confidential compute" in _error(dev_config)


def test_acknowledged_gpu_group_is_accepted(dev_config):
    _strict(dev_config)
    group = parse_stack_config(dev_config, SOURCE).zones[0].cluster.node_groups[0]
    assert group.gpu_processing_acknowledgement.approval == "RISK-1"


def test_every_mode_says_what_it_protects_and_from_whom():
    modes = confidential_modes()
    assert set(modes) == {"sev_snp", "nitro_enclaves", "nitro_system"}
    assert modes["sev_snp"].memory_encrypted and modes["sev_snp"].attestable
    assert modes["nitro_enclaves"].attestable and not modes["nitro_enclaves"].gpu_access
    assert not modes["nitro_system"].memory_encrypted and not modes["nitro_system"].attestable
    assert all(m.protects_from and m.does_not_protect and m.sources for m in modes.values())


# --- device plugins -----------------------------------------------------------------------------

def test_plugins_serve_their_nodes():
    assert plugins_for("gpu", "nitro_enclaves") == ["nvidia", "nitro_enclaves"]
    assert plugins_for("gpu", "none") == ["nvidia"]
    assert plugins_for("cpu", "nitro_enclaves") == ["nitro_enclaves"]
    assert plugins_for("cpu", "sev_snp") == []


def test_each_needed_plugin_has_its_intake_record(dev_config):
    zone = parse_stack_config(dev_config, SOURCE).zones[0]
    assert zone.device_plugins_needed() == {"nvidia": "gpu-inference", "nitro_enclaves": "gpu-inference"}
    for plugin in ("nvidia", "nitro_enclaves"):
        assert zone.device_plugin_artifact(plugin).source == device_plugins()[plugin].image


def test_an_unpinned_plugin_version_is_refused(dev_config):
    nvidia = next(a for a in _zone(dev_config)["registry"]["artifacts"] if "k8s-device-plugin:" in a["source"]
                  and a["source"].startswith("nvcr.io"))
    nvidia["source"] = "nvcr.io/nvidia/k8s-device-plugin:v0.16.0"
    message = _error(dev_config)
    assert "regzone:zones[0].registry.artifacts: records no intake of nvcr.io/nvidia/k8s-device-plugin:v0.17.4" \
        in message and "node group gpu-inference needs the nvidia device plugin" in message


def test_a_zone_with_enclave_nodes_needs_a_registry(dev_config):
    del _zone(dev_config)["registry"]
    assert "regzone:zones[0].registry: is required: node group gpu-inference needs the nvidia device plugin" \
        in _error(dev_config)


def test_sev_snp_only_zone_needs_no_plugin(dev_config):
    del _groups(dev_config)[0]
    _zone(dev_config)["registry"]["artifacts"] = [
        a for a in _zone(dev_config)["registry"]["artifacts"] if "device-plugin" not in a["source"]]
    assert parse_stack_config(dev_config, SOURCE).zones[0].device_plugins_needed() == {}
