"""The instance-capability catalog and the config checks built on it: every bad type/feature
combination is refused before anything is registered, with a message that names the key."""
import pytest

from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.confidential_modes import gpu_parent_gaps
from regzone.instance_types import instance_catalog, instance_type_problem, sev_snp_unsupported, supporting


def test_catalog_facts_from_its_sources():
    catalog = instance_catalog()
    # aws-cdk instance-properties data: SEV-SNP on these c6a sizes, not on c6a.24xlarge.
    assert all(catalog[t].amd_sev_snp for t in ("c6a.2xlarge", "c6a.12xlarge", "c6a.16xlarge"))
    assert not catalog["c6a.24xlarge"].amd_sev_snp
    # EC2 API: SEV-SNP only on M6a, R6a and C6a; no GPU type has it.
    assert {t.split(".")[0] for t in supporting("amd_sev_snp")} == {"m6a", "r6a", "c6a"}
    assert not set(supporting("gpu")) & set(supporting("amd_sev_snp"))
    # Nitro Enclaves on g4dn/g5/g6/p4d/p5, not on p3 (Xen).
    assert catalog["p5.48xlarge"].nitro_enclaves and catalog["p4d.24xlarge"].nitro_enclaves
    assert not catalog["p3.2xlarge"].nitro_enclaves


@pytest.mark.parametrize("instance_type, kind, mode, expected", [
    ("p5.48xlarge", "cpu", "sev_snp", "p5.48xlarge does not support AMD SEV-SNP; supported: c6a.large"),
    ("c6a.24xlarge", "cpu", "sev_snp", "c6a.24xlarge does not support AMD SEV-SNP; supported: "),
    ("m5.xlarge", "cpu", "sev_snp", "m5.xlarge does not support AMD SEV-SNP"),
    ("p3.2xlarge", "gpu", "nitro_enclaves", "p3.2xlarge does not support Nitro Enclaves; supported: g4dn.xlarge"),
    ("c6a.large", "cpu", "nitro_enclaves", "c6a.large does not support Nitro Enclaves"),
    ("m6a.2xlarge", "gpu", "nitro_enclaves", "m6a.2xlarge has no GPU; supported for gpu node groups: "),
    ("g5.2xlarge", "cpu", "none", "g5.2xlarge is a GPU type; supported for cpu node groups: "),
    ("x9.mega", "cpu", "none", "x9.mega is not in catalog/instance_types.yaml"),
])
def test_bad_combinations_have_their_message(instance_type, kind, mode, expected):
    assert expected in instance_type_problem(instance_type, kind=kind, confidential=mode)


@pytest.mark.parametrize("instance_type, kind, mode", [
    ("g5.2xlarge", "gpu", "nitro_enclaves"), ("p5.48xlarge", "gpu", "nitro_enclaves"),
    ("p3.2xlarge", "gpu", "none"), ("m6a.2xlarge", "cpu", "sev_snp"), ("r6a.4xlarge", "cpu", "sev_snp"),
])
def test_good_combinations_pass(instance_type, kind, mode):
    assert instance_type_problem(instance_type, kind=kind, confidential=mode) is None


def test_sev_snp_unsupported_lists_unknown_types_too():
    assert sev_snp_unsupported(["c6a.2xlarge", "c6a.24xlarge", "nope.large"]) == ["c6a.24xlarge", "nope.large"]


def _groups(config):
    return config["regzone:zones"][0]["cluster"]["node_groups"]


def _error(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, "stacks/Pulumi.dev.yaml")
    return str(raised.value)


def test_dev_config_is_valid(dev_config):
    zone = parse_stack_config(dev_config, "dev").zones[0]
    assert [g.confidential_mode for g in zone.cluster.node_groups] == ["nitro_enclaves", "sev_snp"]


def test_sev_snp_on_gpu_type_names_the_key(dev_config):
    _groups(dev_config)[1]["instance_types"] = ["m6a.2xlarge", "p5.48xlarge"]
    message = _error(dev_config)
    assert ("regzone:zones[0].cluster.node_groups[1].instance_types[1] = 'p5.48xlarge': "
            "p5.48xlarge does not support AMD SEV-SNP; supported: c6a.large") in message


def test_enclaves_on_p3_names_the_key(dev_config):
    _groups(dev_config)[0]["instance_types"] = ["p3.2xlarge"]
    assert "node_groups[0].instance_types[0] = 'p3.2xlarge': p3.2xlarge does not support Nitro Enclaves" in \
        _error(dev_config)


def test_gpu_group_cannot_ask_for_sev_snp(dev_config):
    _groups(dev_config)[0]["confidential"] = "sev_snp"
    assert "node_groups[0].confidential = 'sev_snp': no GPU instance type supports AMD SEV-SNP" in _error(dev_config)


def test_defaults_are_the_confidential_modes(dev_config):
    for group in _groups(dev_config):
        del group["confidential"]
    zone = parse_stack_config(dev_config, "dev").zones[0]
    assert [g.confidential_mode for g in zone.cluster.node_groups] == ["nitro_enclaves", "sev_snp"]


def _personal_data_strict(config):
    """personal_data requires confidential compute, with what that takes besides the CPU group: the
    GPU group's acknowledgement and the zone's enclave attestation."""
    config["regzone:data_class_policy"]["personal_data"]["require_confidential_compute"] = True
    config["regzone:zones"][0]["enclave_attestation"] = {"image_sha384": ["ab" * 48]}
    _groups(config)[0]["gpu_processing_acknowledgement"] = {
        "data_classes": ["personal_data"], "accepted_gaps": gpu_parent_gaps(), "approval": "RISK-1",
        "approved_by": "dpo@example.com", "review_date": "2099-01-01"}


def test_require_confidential_compute_is_enforced(dev_config):
    _personal_data_strict(dev_config)
    _groups(dev_config)[1]["confidential"] = "none"
    message = _error(dev_config)
    assert "node_groups[1].confidential = 'none': data class personal_data requires confidential compute" in message


def test_group_limited_to_public_data_may_skip_confidential_compute(dev_config):
    _personal_data_strict(dev_config)
    _groups(dev_config)[1].update(confidential="none", data_classes=["public"])
    zone_config = parse_stack_config(dev_config, "dev")
    (zone,) = zone_config.zones
    assert not zone_config.node_group_requires_confidential(zone, zone.cluster.node_groups[1])


def test_node_group_data_class_must_be_held_by_the_zone(dev_config):
    _groups(dev_config)[0]["data_classes"] = ["ephi"]
    assert "node_groups[0].data_classes[0] = 'ephi': is not a data class of this zone's workloads" in \
        _error(dev_config)


@pytest.mark.parametrize("change, expected", [
    ({"scaling": {"min_size": 3, "desired_size": 1, "max_size": 4}}, "scaling.desired_size = 1: must lie between"),
    ({"instance_types": []}, "instance_types: List should have at least 1 item"),
    ({"kind": "tpu"}, "kind = 'tpu'"),
])
def test_node_group_shape_errors(dev_config, change, expected):
    _groups(dev_config)[0].update(change)
    assert expected in _error(dev_config)


def test_kube_proxy_must_match_kubernetes_version(dev_config):
    cluster = dev_config["regzone:zones"][0]["cluster"]
    cluster["kubernetes_version"] = "1.34"
    cluster["addons"] = {"vpc_cni": "v1.21.1-eksbuild.8", "coredns": "v1.14.2-eksbuild.4",
                         "kube_proxy": "v1.35.3-eksbuild.13", "eks_pod_identity_agent": "v1.3.10-eksbuild.3"}
    assert "cluster.addons.kube_proxy = 'v1.35.3-eksbuild.13': does not match kubernetes_version 1.34" \
        in _error(dev_config)


def test_cluster_needs_an_administrator(dev_config):
    dev_config["regzone:zones"][0]["cluster"]["admin_role_arns"] = []
    assert "cluster.admin_role_arns" in _error(dev_config)
