"""Launch template and node group policies over the analyzer protocol: the component's baseline
passes; IMDSv1, unencrypted or default-key volumes, public IPs, regulated groups without enclaves or
SEV-SNP, and SEV-SNP on unsupported types fire."""
import pytest

from analyzer_helpers import resource, stack_violations, violations

LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
VOLUMES_KEY = "arn:aws:kms:eu-west-1:111122223333:key/volumes"
BASELINE_LT = {
    "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
        "encrypted": "true", "kmsKeyId": VOLUMES_KEY, "volumeSize": 100, "volumeType": "gp3"}}],
    "networkInterfaces": [{"deviceIndex": 0, "associatePublicIpAddress": "false", "securityGroups": ["sg-1"]}],
    "cpuOptions": {"amdSevSnp": "enabled"},
}
LT_POLICIES = ["ec2-launch-template-imdsv2", "ec2-launch-template-encrypted-volumes",
               "ec2-launch-template-no-public-ip"]


def template(name="cpu-lt", **changes):
    return resource(LT, {**BASELINE_LT, **changes}, name=name)


def node_group(lt, *, name="cpu-ng", classes=("ephi",), required=True, instance_types=("m6a.2xlarge",), **changes):
    props = {"clusterName": "dev-ai-eks", "instanceTypes": list(instance_types), "subnetIds": ["subnet-a"],
             "launchTemplate": {"id": "lt-0abc", "version": "1"},
             "labels": {f"data-class.regzone.io/{c}": "true" for c in classes},
             "tags": {"regzone:confidential-required": str(required).lower()}, **changes}
    deps = {"launchTemplate": [lt.urn]} if lt is not None else None
    return resource(NG, props, name=name, property_dependencies=deps)


@pytest.mark.parametrize("policy", LT_POLICIES)
def test_baseline_launch_template_passes(pack, policy):
    assert violations(pack, policy, template()) == []


@pytest.mark.parametrize("options, expected", [
    ({"httpTokens": "optional", "httpPutResponseHopLimit": 1}, "allows IMDSv1"),
    ({"httpPutResponseHopLimit": 1}, "allows IMDSv1"),
    ({"httpTokens": "required", "httpPutResponseHopLimit": 2}, "hop limit of 2"),
    ({"httpTokens": "required"}, "AMI default"),
])
def test_imds_weaknesses_fire(pack, options, expected):
    found = violations(pack, "ec2-launch-template-imdsv2", template(metadataOptions=options))
    assert any(expected in d.message for d in found) and "RAZ-CMP-001" in found[0].message


def test_imds_disabled_passes(pack):
    assert violations(pack, "ec2-launch-template-imdsv2", template(metadataOptions={"httpEndpoint": "disabled"})) == []


def test_unknown_http_tokens_is_reported(pack):
    found = violations(pack, "ec2-launch-template-imdsv2",
                       template(metadataOptions={"httpTokens": UNKNOWN, "httpPutResponseHopLimit": 1}))
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("ebs, expected", [
    ({"encrypted": "false", "kmsKeyId": VOLUMES_KEY}, "is not encrypted"),
    ({"volumeSize": 100}, "is not encrypted"),
    ({"encrypted": "true"}, "default EBS key"),
    ({"encrypted": "true", "kmsKeyId": "alias/aws/ebs"}, "default EBS key"),
])
def test_weak_volumes_fire(pack, ebs, expected):
    mappings = BASELINE_LT["blockDeviceMappings"] + [{"deviceName": "/dev/xvdb", "ebs": ebs}]
    found = violations(pack, "ec2-launch-template-encrypted-volumes", template(blockDeviceMappings=mappings))
    assert len(found) == 1 and expected in found[0].message and "/dev/xvdb" in found[0].message


def test_no_declared_volumes_fires(pack):
    found = violations(pack, "ec2-launch-template-encrypted-volumes", template(blockDeviceMappings=[]))
    assert found and "declares no EBS volumes" in found[0].message


def test_unknown_encryption_is_reported(pack):
    mappings = [{"deviceName": "/dev/xvda", "ebs": {"encrypted": UNKNOWN, "kmsKeyId": VOLUMES_KEY}}]
    found = violations(pack, "ec2-launch-template-encrypted-volumes", template(blockDeviceMappings=mappings))
    assert found and "cannot be verified at preview" in found[0].message


@pytest.mark.parametrize("interfaces, expected", [
    ([{"deviceIndex": 0, "associatePublicIpAddress": "true"}], "associates a public IP"),
    ([{"deviceIndex": 0}], "leaves the public IP to the subnet"),
    ([], "leaves public IPs to the subnet"),
])
def test_public_ips_fire(pack, interfaces, expected):
    found = violations(pack, "ec2-launch-template-no-public-ip", template(networkInterfaces=interfaces))
    assert found and expected in found[0].message and "RAZ-CMP-003" in found[0].message


def test_node_group_without_launch_template_or_with_ssh_fires(pack):
    lt = template()
    assert violations(pack, "eks-node-group-launch-template", node_group(lt)) == []
    bare = node_group(None, launchTemplate=None)
    assert "no launch template" in violations(pack, "eks-node-group-launch-template", bare)[0].message
    ssh = node_group(lt, remoteAccess={"ec2SshKey": "ops"})
    assert "SSH remote access" in violations(pack, "eks-node-group-launch-template", ssh)[0].message


def test_confidential_node_groups_pass(pack):
    cpu_lt = template()
    gpu_lt = template(name="gpu-lt", cpuOptions=None, enclaveOptions={"enabled": True})
    resources = [cpu_lt, node_group(cpu_lt), gpu_lt,
                 node_group(gpu_lt, name="gpu-ng", instance_types=("g5.2xlarge",))]
    assert stack_violations(pack, "eks-node-group-confidential-compute", resources) == []
    assert stack_violations(pack, "ec2-sev-snp-supported-instance-type", resources) == []


def test_regulated_node_group_without_enclave_or_sev_snp_fires(pack):
    plain = template(name="plain-lt", cpuOptions=None)
    found = stack_violations(pack, "eks-node-group-confidential-compute", [plain, node_group(plain)])
    assert len(found) == 1 and found[0].urn.endswith("::cpu-ng")
    assert "enables neither enclaveOptions nor cpuOptions.amdSevSnp" in found[0].message
    assert "RAZ-CMP-004" in found[0].message


def test_data_class_label_alone_makes_a_group_regulated(pack):
    """Without pack config, a labelled data class counts as requiring confidential compute (fail closed)."""
    plain = template(name="plain-lt", cpuOptions=None)
    found = stack_violations(pack, "eks-node-group-confidential-compute",
                             [plain, node_group(plain, required=False, classes=("cardholder_data",))])
    assert found and "data class cardholder_data" in found[0].message


def test_unregulated_group_may_skip_confidential_compute(pack):
    plain = template(name="plain-lt", cpuOptions=None)
    group = node_group(plain, required=False, classes=())
    assert stack_violations(pack, "eks-node-group-confidential-compute", [plain, group]) == []


@pytest.mark.parametrize("changes", [
    {"tags": {"regzone:confidential-required": UNKNOWN}},
    {"tags": {"regzone:confidential-required": "false", "data-class": UNKNOWN}},
    {"labels": {"data-class.regzone.io/ephi": UNKNOWN}},
])
def test_unknown_regulation_markers_are_reported_not_passed(pack, changes):
    """Whether a group must be confidential cannot be read from an unknown tag or label: reported
    (the robustness test found the unknown confidential-required tag read as false)."""
    plain = template(name="plain-lt", cpuOptions=None)
    group = node_group(plain, required=False, classes=(), **changes)
    found = stack_violations(pack, "eks-node-group-confidential-compute", [plain, group])
    assert found and "cannot be verified at preview" in found[0].message


def test_regulated_group_without_launch_template_fires(pack):
    found = stack_violations(pack, "eks-node-group-confidential-compute", [node_group(None, launchTemplate=None)])
    assert found and "has no launch template" in found[0].message


@pytest.mark.parametrize("instance_type", ["p5.48xlarge", "c6a.24xlarge", "m5.xlarge"])
def test_sev_snp_on_unsupported_node_group_type_fires(pack, instance_type):
    lt = template()
    found = stack_violations(pack, "ec2-sev-snp-supported-instance-type",
                             [lt, node_group(lt, instance_types=("m6a.2xlarge", instance_type))])
    assert len(found) == 1 and f"{instance_type} does not support AMD SEV-SNP; supported: " in found[0].message
    assert "c6a.2xlarge" in found[0].message and "RAZ-CMP-005" in found[0].message


def test_sev_snp_on_unsupported_launch_template_type_fires(pack):
    found = stack_violations(pack, "ec2-sev-snp-supported-instance-type", [template(instanceType="r6a.8xlarge")])
    assert found and "r6a.8xlarge does not support AMD SEV-SNP" in found[0].message


# Every other type that launches an instance, or sets the account's metadata defaults, with its options.
IMDS_SIBLINGS = [
    ("aws:ec2/instance:Instance", "metadataOptions"),
    ("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "metadataOptions"),
    ("aws:ec2/launchConfiguration:LaunchConfiguration", "metadataOptions"),
    ("aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults", None),
    ("aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration", "instanceMetadataOptions"),
]


def with_options(path, options):
    return dict(options) if path is None else {path: options}


@pytest.mark.parametrize("type_token, path", IMDS_SIBLINGS)
def test_imds_siblings_pass_when_required_with_one_hop(pack, type_token, path):
    good = resource(type_token, with_options(path, {"httpTokens": "required", "httpPutResponseHopLimit": "1"}))
    assert violations(pack, "ec2-instance-imdsv2", good) == []


@pytest.mark.parametrize("type_token, path", IMDS_SIBLINGS)
@pytest.mark.parametrize("options, expected", [
    ({"httpTokens": "optional", "httpPutResponseHopLimit": 1}, "allows IMDSv1"),
    ({}, "allows IMDSv1 (httpTokens not set)"),
    ({"httpTokens": "required", "httpPutResponseHopLimit": 2}, "hop limit of 2"),
    ({"httpTokens": "required", "httpPutResponseHopLimit": -1}, "hop limit of -1"),
])
def test_imds_siblings_fire(pack, type_token, path, options, expected):
    found = violations(pack, "ec2-instance-imdsv2", resource(type_token, with_options(path, options)))
    assert any(expected in d.message for d in found), found


def test_spot_fleet_launch_specifications_cannot_require_imdsv2(pack):
    fleet = "aws:ec2/spotFleetRequest:SpotFleetRequest"
    found = violations(pack, "ec2-instance-imdsv2", resource(fleet, {"launchSpecifications": [{"ami": "ami-1"}]}))
    assert found and "cannot require IMDSv2" in found[0].message
    from_template = {"launchTemplateConfigs": [{"launchTemplateSpecification": {"id": "lt-1", "version": "1"}}]}
    assert violations(pack, "ec2-instance-imdsv2", resource(fleet, from_template)) == []


ENCRYPTED = {"encrypted": True, "kmsKeyId": VOLUMES_KEY}
VOLUME_SIBLINGS = [
    ("aws:ec2/instance:Instance", {"rootBlockDevice": ENCRYPTED, "ebsBlockDevices": [ENCRYPTED]},
     {"rootBlockDevice": ENCRYPTED, "ebsBlockDevices": [{"encrypted": "false"}]}),
    ("aws:ec2/instance:Instance", {"rootBlockDevice": {**ENCRYPTED, "encrypted": "1"}}, {}),
    ("aws:ec2/spotInstanceRequest:SpotInstanceRequest", {"rootBlockDevice": ENCRYPTED},
     {"rootBlockDevice": {"encrypted": True, "kmsKeyId": "alias/aws/ebs"}}),
    ("aws:ec2/spotFleetRequest:SpotFleetRequest",
     {"launchSpecifications": [{"rootBlockDevices": [ENCRYPTED], "ebsBlockDevices": [ENCRYPTED]}]},
     {"launchSpecifications": [{"rootBlockDevices": [ENCRYPTED]}, {"ebsBlockDevices": [{"encrypted": True}]}]}),
    ("aws:ebs/volume:Volume", ENCRYPTED, {"encrypted": False}),
    ("aws:ebs/snapshotCopy:SnapshotCopy", ENCRYPTED, {"encrypted": True}),
    ("aws:ebs/snapshotImport:SnapshotImport", ENCRYPTED, {"kmsKeyId": VOLUMES_KEY}),
]


@pytest.mark.parametrize("type_token, good, bad", VOLUME_SIBLINGS,
                         ids=[f"{t}-{i}" for i, (t, *_) in enumerate(VOLUME_SIBLINGS)])
def test_volume_siblings_fire_unless_encrypted_with_the_zone_key(pack, type_token, good, bad):
    assert violations(pack, "ec2-volumes-encrypted", resource(type_token, good)) == []
    found = violations(pack, "ec2-volumes-encrypted", resource(type_token, bad))
    assert found and all("RAZ-CMP-002" in d.message for d in found), found


def test_launch_configuration_volumes_cannot_use_the_zone_key(pack):
    found = violations(pack, "ec2-volumes-encrypted", resource(
        "aws:ec2/launchConfiguration:LaunchConfiguration", {"rootBlockDevice": {"encrypted": True}}))
    assert found and "can only use the default EBS key" in found[0].message


def test_sev_snp_on_an_unsupported_instance_fires(pack):
    instance = resource("aws:ec2/instance:Instance", {"instanceType": "m5.large", "cpuOptions": {"amdSevSnp": "enabled"}},
                        name="vm")
    found = stack_violations(pack, "ec2-sev-snp-supported-instance-type", [instance])
    assert len(found) == 1 and "m5.large does not support AMD SEV-SNP" in found[0].message
    supported = resource("aws:ec2/instance:Instance", {"instanceType": "m6a.2xlarge",
                                                       "cpuOptions": {"amdSevSnp": "enabled"}}, name="vm")
    assert stack_violations(pack, "ec2-sev-snp-supported-instance-type", [supported]) == []
