"""Confidential-compute EKS managed node groups (controls RAZ-CMP-*).

Each group is built from its own launch template: IMDSv2 only with a hop limit of 1 (pods cannot
reach node credentials; they use EKS Pod Identity), every EBS volume encrypted with the zone
volumes key, no public IP, private subnets only. GPU groups run the NVIDIA AMI with the
`nvidia.com/gpu` NoSchedule taint, usually with Nitro Enclaves (the enclave cannot use the GPU: it
unwraps keys under attestation; inference runs in the parent, see catalog/confidential_modes.yaml).

Nitro Enclaves groups get user data that installs the enclave allocator and reserves the
configured vCPUs and memory (components/enclave_user_data.py), and the label the Nitro Enclaves
device plugin selects. AMD SEV-SNP groups need an AMI whose boot mode is `uefi` or `uefi-preferred`
(EC2 User Guide, "AMD SEV-SNP requirements"; an AMI without a boot mode boots legacy BIOS on AMD
types, "Boot modes"): at deploy time the component resolves the EKS AL2023 AMI the group launches
(its public SSM parameter) and fails unless its boot mode is one of those, as it fails when the
region does not offer SEV-SNP on a requested type.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.enclave_user_data import encoded, enclave_user_data
from regzone.device_plugins import device_plugins, plugins_for
from regzone.instance_types import (LABEL_CONFIDENTIAL, LABEL_DATA_CLASS_PREFIX, LABEL_NODE_KIND, LABEL_ZONE,
                                    SEV_SNP_FEATURE, TAG_CONFIDENTIAL, TAG_CONFIDENTIAL_REQUIRED,
                                    TAG_GPU_ACKNOWLEDGEMENT, Confidential, NodeKind, enclave_allocation_problem,
                                    instance_type_problem)
from regzone.tags import TAG_DATA_CLASS, TAG_ZONE, data_class_tag

AMI_TYPES: dict[str, str] = {"gpu": "AL2023_x86_64_NVIDIA", "cpu": "AL2023_x86_64_STANDARD"}
# The public SSM parameter of the EKS AL2023 AMI a CPU managed node group (AL2023_x86_64_STANDARD)
# launches by default (EKS user guide, "Retrieve recommended Amazon Linux AMI IDs").
STANDARD_AMI_PARAMETER = "/aws/service/eks/optimized-ami/{version}/amazon-linux-2023/x86_64/standard/recommended/image_id"
UEFI_BOOT_MODES = ("uefi", "uefi-preferred")
GPU_TAINT = aws.eks.NodeGroupTaintArgs(key="nvidia.com/gpu", effect="NO_SCHEDULE")


def data_class_taints(data_classes: Sequence[str]) -> list[aws.eks.NodeGroupTaintArgs]:
    """One NoSchedule taint per data class the group may hold, keyed like its label: only pods that
    tolerate every class of the group land on it (components/k8s/labels.py data_class_tolerations);
    admission then requires each pod to select nodes holding its own classes. EKS managed node groups
    accept up to 50 taints (EKS user guide, "Recipe: Prevent pods from being scheduled on specific nodes")."""
    return [aws.eks.NodeGroupTaintArgs(key=f"{LABEL_DATA_CLASS_PREFIX}{c}", value="true", effect="NO_SCHEDULE")
            for c in sorted(set(data_classes))]
ROOT_DEVICE = "/dev/xvda"  # AL2023 EKS AMIs


@dataclass
class ConfidentialNodeGroupArgs:
    zone_name: str
    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    node_security_group_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    volumes_key_arn: pulumi.Input[str]
    kind: NodeKind
    instance_types: Sequence[str]
    confidential: Confidential
    data_classes: Sequence[str]
    confidential_required: bool
    # The cluster's Kubernetes version: which EKS AMI the group launches.
    kubernetes_version: str = ""
    min_size: int = 1
    desired_size: int = 1
    max_size: int = 2
    volume_size_gib: int = 100
    # nitro_enclaves groups: vCPUs and memory the allocator reserves for enclaves on each node.
    enclave_cpu_count: int | None = None
    enclave_memory_mib: int | None = None
    # The approval of a recorded GPU processing acknowledgement (config), kept as a tag.
    gpu_acknowledgement: str | None = None


def _check_sev_snp_available(requested: Sequence[str], offered: Sequence[str] | None) -> None:
    """Fails the deployment when the region does not offer SEV-SNP on a requested type."""
    missing = sorted(set(requested) - set(offered or []))
    if missing:
        raise ValueError(f"{', '.join(missing)} does not offer AMD SEV-SNP in this region "
                         "(EC2 processor-info.supported-features); choose a type or region that does")


def _check_uefi_boot(parameter: str, image_id: str, boot_mode: str | None) -> None:
    """Fails the deployment unless the AMI the group launches boots UEFI, which SEV-SNP requires."""
    if boot_mode not in UEFI_BOOT_MODES:
        shown = boot_mode or "unset (legacy BIOS on AMD types)"
        raise ValueError(f"the EKS AMI {image_id} ({parameter}) has boot mode {shown}; AMD SEV-SNP needs uefi or "
                         "uefi-preferred: use a release whose AMI boots UEFI, or Nitro Enclaves")


def sev_snp_description(name: str, instance_types: Sequence[str], kubernetes_version: str,
                        opts: pulumi.InvokeOutputOptions) -> pulumi.Output[str]:
    """The deploy-time checks of a SEV-SNP group, as the launch template's description: it is
    created only when the region offers SEV-SNP on every requested type and the group's EKS AMI
    boots UEFI."""
    offered = aws.ec2.get_instance_types_output(
        filters=[aws.ec2.GetInstanceTypesFilterArgs(name="processor-info.supported-features", values=[SEV_SNP_FEATURE]),
                 aws.ec2.GetInstanceTypesFilterArgs(name="instance-type", values=list(instance_types))], opts=opts)
    parameter = STANDARD_AMI_PARAMETER.format(version=kubernetes_version)
    image_id = aws.ssm.get_parameter_output(name=parameter, opts=opts).value
    # Filtering by image id alone is safe (a third party cannot register an AMI with that id).
    ami = aws.ec2.get_ami_output(filters=[aws.ec2.GetAmiFilterArgs(name="image-id", values=[image_id])], opts=opts)

    def checked(values: list) -> str:
        found, image, boot_mode = values
        try:
            _check_sev_snp_available(instance_types, found)
            _check_uefi_boot(parameter, image, boot_mode)
        except ValueError as problem:
            raise ValueError(f"ConfidentialNodeGroup {name}: {problem}") from None
        return "regulated AI zone node launch template (AMD SEV-SNP available in region, UEFI AMI)"

    return pulumi.Output.all(offered.instance_types, image_id, ami.boot_mode).apply(checked)


class ConfidentialNodeGroup(pulumi.ComponentResource):
    """One launch template and the managed node group built from it."""

    launch_template: aws.ec2.LaunchTemplate
    node_group: aws.eks.NodeGroup

    def __init__(self, name: str, args: ConfidentialNodeGroupArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:compute:ConfidentialNodeGroup", name, None, opts)
        problems = [p for t in args.instance_types
                    if (p := instance_type_problem(t, kind=args.kind, confidential=args.confidential))]
        if args.kind == "gpu" and args.confidential == "sev_snp":
            problems.insert(0, "no GPU instance type supports AMD SEV-SNP; use nitro_enclaves")
        if args.confidential_required and args.confidential == "none":
            problems.append("its data classes require confidential compute; use nitro_enclaves or sev_snp")
        if not args.subnet_ids:
            problems.append("no private subnets given")
        enclave = (args.enclave_cpu_count, args.enclave_memory_mib)
        if args.confidential == "nitro_enclaves":
            if None in enclave:
                problems.append("Nitro Enclaves need enclave_cpu_count and enclave_memory_mib (the allocator's "
                                "reservation)")
            else:
                problems += [p for t in args.instance_types
                             if (p := enclave_allocation_problem(t, cpu_count=enclave[0], memory_mib=enclave[1]))]
        elif enclave != (None, None):
            problems.append(f"enclave_cpu_count and enclave_memory_mib are only for Nitro Enclaves, not {args.confidential}")
        if args.confidential == "sev_snp" and not args.kubernetes_version:
            problems.append("AMD SEV-SNP needs kubernetes_version to resolve the group's EKS AMI")
        if problems:
            raise ValueError(f"ConfidentialNodeGroup {name}: " + "; ".join(problems))

        description: pulumi.Input[str] = "regulated AI zone node launch template"
        if args.confidential == "sev_snp":
            description = sev_snp_description(name, args.instance_types, args.kubernetes_version,
                                              pulumi.InvokeOutputOptions(parent=self))
        user_data = (encoded(enclave_user_data(cpu_count=enclave[0], memory_mib=enclave[1]))
                     if args.confidential == "nitro_enclaves" else None)

        # Instances and volumes get no provider default tags: the zone tag scopes their evidence (--zone).
        instance_tags = {TAG_ZONE: args.zone_name, TAG_DATA_CLASS: data_class_tag(list(args.data_classes)),
                         TAG_CONFIDENTIAL: args.confidential}
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=description,
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="disabled"),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=ROOT_DEVICE,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", kms_key_id=args.volumes_key_arn, volume_size=args.volume_size_gib,
                    volume_type="gp3", delete_on_termination="true"))],
            network_interfaces=[aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0, associate_public_ip_address="false", delete_on_termination="true",
                security_groups=[args.node_security_group_id])],
            enclave_options=aws.ec2.LaunchTemplateEnclaveOptionsArgs(enabled=True)
            if args.confidential == "nitro_enclaves" else None,
            cpu_options=aws.ec2.LaunchTemplateCpuOptionsArgs(amd_sev_snp="enabled")
            if args.confidential == "sev_snp" else None,
            user_data=user_data,
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=instance_tags)
                                for kind in ("instance", "volume")],
            opts=pulumi.ResourceOptions(parent=self),
        )
        labels = {LABEL_ZONE: args.zone_name, LABEL_CONFIDENTIAL: args.confidential, LABEL_NODE_KIND: args.kind}
        labels.update({f"{LABEL_DATA_CLASS_PREFIX}{c}": "true" for c in args.data_classes})
        for plugin in plugins_for(args.kind, args.confidential):
            labels.update(device_plugins()[plugin].node_labels)
        group_tags = {**instance_tags, TAG_CONFIDENTIAL_REQUIRED: str(args.confidential_required).lower()}
        if args.gpu_acknowledgement is not None:
            group_tags[TAG_GPU_ACKNOWLEDGEMENT] = args.gpu_acknowledgement
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=args.cluster_name,
            node_role_arn=args.node_role_arn,
            subnet_ids=list(args.subnet_ids),
            instance_types=list(args.instance_types),
            ami_type=AMI_TYPES[args.kind],
            capacity_type="ON_DEMAND",
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=self.launch_template.id, version=self.launch_template.latest_version.apply(str)),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=args.min_size, desired_size=args.desired_size, max_size=args.max_size),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            labels=labels,
            taints=([GPU_TAINT] if args.kind == "gpu" else []) + data_class_taints(args.data_classes),
            tags=group_tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"launch_template_id": self.launch_template.id,
                               "node_group_arn": self.node_group.arn})
