"""Confidential-compute EKS managed node groups (controls RAZ-CMP-*).

Each group is built from its own launch template: IMDSv2 only with a hop limit of 1 (pods cannot
reach node credentials; they use EKS Pod Identity), every EBS volume encrypted with the zone
volumes key, no public IP, private subnets only. GPU groups run with Nitro Enclaves (the enclave
does not see the GPU: it holds keys and attestation, not the model), the `nvidia.com/gpu` NoSchedule
taint and the NVIDIA AMI; CPU groups run with AMD SEV-SNP (set at launch; UEFI boot, which the
AL2023 AMIs prefer). Whether SEV-SNP works with every EKS AMI release is not verified here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from regzone.instance_types import (LABEL_CONFIDENTIAL, LABEL_DATA_CLASS_PREFIX, LABEL_ZONE, SEV_SNP_FEATURE,
                                    TAG_CONFIDENTIAL, TAG_CONFIDENTIAL_REQUIRED, Confidential, NodeKind,
                                    instance_type_problem)
from regzone.tags import TAG_DATA_CLASS, data_class_tag

AMI_TYPES: dict[str, str] = {"gpu": "AL2023_x86_64_NVIDIA", "cpu": "AL2023_x86_64_STANDARD"}
GPU_TAINT = aws.eks.NodeGroupTaintArgs(key="nvidia.com/gpu", effect="NO_SCHEDULE")
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
    min_size: int = 1
    desired_size: int = 1
    max_size: int = 2
    volume_size_gib: int = 100


def _check_sev_snp_available(requested: Sequence[str], offered: Sequence[str] | None) -> str:
    """Fails the deployment when the region does not offer SEV-SNP on a requested type."""
    missing = sorted(set(requested) - set(offered or []))
    if missing:
        raise ValueError(f"{', '.join(missing)} does not offer AMD SEV-SNP in this region "
                         "(EC2 processor-info.supported-features); choose a type or region that does")
    return "regulated AI zone node launch template (AMD SEV-SNP available in region)"


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
        if problems:
            raise ValueError(f"ConfidentialNodeGroup {name}: " + "; ".join(problems))

        description: pulumi.Input[str] = "regulated AI zone node launch template"
        if args.confidential == "sev_snp":
            offered = aws.ec2.get_instance_types_output(
                filters=[aws.ec2.GetInstanceTypesFilterArgs(name="processor-info.supported-features",
                                                            values=[SEV_SNP_FEATURE]),
                         aws.ec2.GetInstanceTypesFilterArgs(name="instance-type", values=list(args.instance_types))],
                opts=pulumi.InvokeOutputOptions(parent=self))
            description = offered.instance_types.apply(
                lambda found: _check_sev_snp_available(args.instance_types, found))

        instance_tags = {TAG_DATA_CLASS: data_class_tag(list(args.data_classes)), TAG_CONFIDENTIAL: args.confidential}
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
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=instance_tags)
                                for kind in ("instance", "volume")],
            opts=pulumi.ResourceOptions(parent=self),
        )
        labels = {LABEL_ZONE: args.zone_name, LABEL_CONFIDENTIAL: args.confidential}
        labels.update({f"{LABEL_DATA_CLASS_PREFIX}{c}": "true" for c in args.data_classes})
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
            taints=[GPU_TAINT] if args.kind == "gpu" else None,
            tags={**instance_tags, TAG_CONFIDENTIAL_REQUIRED: str(args.confidential_required).lower()},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"launch_template_id": self.launch_template.id,
                               "node_group_arn": self.node_group.arn})
