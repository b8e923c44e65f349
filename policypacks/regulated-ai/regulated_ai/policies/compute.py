"""Launch template and node group policies (controls RAZ-CMP-001..005, RAZ-CMP-009)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, resource_policy, stack_policy
from regulated_ai.types import EKS_NODE_GROUP, LAUNCH_TEMPLATE
from regzone.instance_types import (LABEL_DATA_CLASS_PREFIX, TAG_CONFIDENTIAL_REQUIRED, TAG_GPU_ACKNOWLEDGEMENT,
                                    instance_catalog, sev_snp_unsupported, supporting)
from regzone.tags import TAG_DATA_CLASS, parse_data_class_tag

_AWS_MANAGED_EBS_KEY = re.compile(r"(^|:)alias/aws/ebs$")


def _true(value) -> bool:
    """Launch template booleans travel as strings ("true") in pulumi-aws; accept both forms."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


@resource_policy(
    "ec2-launch-template-imdsv2",
    description="Launch templates must require IMDSv2 with a hop limit of 1 (pods cannot reach node credentials).",
    controls=["RAZ-CMP-001"], types=[LAUNCH_TEMPLATE])
def ec2_launch_template_imdsv2(template: ResourceView) -> Iterator[str]:
    if template.known("metadataOptions.httpEndpoint", "enabled") == "disabled":
        return
    tokens = template.known("metadataOptions.httpTokens", "optional")
    if tokens != "required":
        yield (f"launch template '{template.name}' allows IMDSv1 (httpTokens {tokens}): set "
               "metadataOptions.httpTokens to required.")
    # Unset means the AMI's default, which is 2 on the EKS AL2023 AMIs.
    hops = template.known("metadataOptions.httpPutResponseHopLimit", None)
    if hops is None or not isinstance(hops, (int, float)) or hops > 1:
        yield (f"launch template '{template.name}' has an IMDS hop limit of {hops if hops is not None else 'the AMI default'}: "
               "containers can reach node credentials. Set metadataOptions.httpPutResponseHopLimit to 1.")


@resource_policy(
    "ec2-launch-template-encrypted-volumes",
    description="Every EBS volume of a launch template must be encrypted with a customer-managed KMS key.",
    controls=["RAZ-CMP-002"], types=[LAUNCH_TEMPLATE])
def ec2_launch_template_encrypted_volumes(template: ResourceView) -> Iterator[str]:
    mappings = [m for m in template.known("blockDeviceMappings", None) or []
                if isinstance(m, dict) and m.get("ebs") is not None]
    if not mappings:
        yield (f"launch template '{template.name}' declares no EBS volumes, so the root volume follows the AMI "
               "and the account default: declare it with ebs.encrypted 'true' and the zone volumes key.")
        return
    for index, mapping in enumerate(mappings):
        device = mapping.get("deviceName", f"#{index}")
        ebs = mapping["ebs"]
        encrypted = ebs.get("encrypted")
        if is_unknown(encrypted):
            raise Unverifiable(f"blockDeviceMappings.{index}.ebs.encrypted")
        if not _true(encrypted):
            yield f"launch template '{template.name}' volume {device} is not encrypted: set ebs.encrypted to 'true'."
            continue
        key = ebs.get("kmsKeyId")
        if not is_unknown(key) and (not key or _AWS_MANAGED_EBS_KEY.search(str(key))):
            yield (f"launch template '{template.name}' volume {device} uses the default EBS key: "
                   "set ebs.kmsKeyId to the zone volumes key.")


@resource_policy(
    "ec2-launch-template-no-public-ip",
    description="Launch templates must state that instances get no public IP address.",
    controls=["RAZ-CMP-003"], types=[LAUNCH_TEMPLATE])
def ec2_launch_template_no_public_ip(template: ResourceView) -> Iterator[str]:
    interfaces = [i for i in template.known("networkInterfaces", None) or [] if isinstance(i, dict)]
    if not interfaces:
        yield (f"launch template '{template.name}' leaves public IPs to the subnet's setting: add a network "
               "interface with associatePublicIpAddress 'false'.")
        return
    for index, interface in enumerate(interfaces):
        value = interface.get("associatePublicIpAddress")
        if is_unknown(value):
            raise Unverifiable(f"networkInterfaces.{index}.associatePublicIpAddress")
        if value is None or _true(value):
            shown = "associates a public IP" if value is not None else "leaves the public IP to the subnet"
            yield (f"launch template '{template.name}' network interface {index} {shown}: "
                   "set associatePublicIpAddress to 'false'.")


@resource_policy(
    "eks-node-group-launch-template",
    description="EKS node groups must be built from a launch template and allow no SSH remote access.",
    controls=["RAZ-CMP-001", "RAZ-CMP-002", "RAZ-CMP-003"], types=[EKS_NODE_GROUP])
def eks_node_group_launch_template(group: ResourceView) -> Iterator[str]:
    if group.get("launchTemplate", None) is None:
        yield (f"EKS node group '{group.name}' has no launch template, so IMDS, volume encryption and public "
               "IPs take EKS defaults: build it from a launch template.")
    if group.known("remoteAccess", None):
        yield f"EKS node group '{group.name}' allows SSH remote access: remove remoteAccess."


def _launch_template_of(group: ResourceView, stack: StackView) -> ResourceView | None:
    """The launch template a node group is built from (by the launchTemplate property's dependency)."""
    for candidate in group.property_dependencies.get("launchTemplate", []):
        if candidate.type == LAUNCH_TEMPLATE:
            return candidate
    name = group.get("launchTemplate.name", None)
    if isinstance(name, str):
        return next((t for t in stack.of_type(LAUNCH_TEMPLATE) if t.get("name") == name), None)
    return None


def _known_entry(group: ResourceView, prop: str, key: str):
    """`group.<prop>[key]`; an unknown value is reported, never read as absent or false."""
    value = (group.known(prop, None) or {}).get(key)
    if is_unknown(value):
        raise Unverifiable(f"{prop}.{key}")
    return value


def _data_classes(group: ResourceView) -> list[str]:
    labels = group.known("labels", None) or {}
    classes = {key.removeprefix(LABEL_DATA_CLASS_PREFIX) for key in labels
               if key.startswith(LABEL_DATA_CLASS_PREFIX) and _true(_known_entry(group, "labels", key))}
    tag = _known_entry(group, "tags", TAG_DATA_CLASS)
    if isinstance(tag, str):
        classes.update(parse_data_class_tag(tag))
    return sorted(classes)


def _confidential(template: ResourceView) -> bool:
    return (_true(template.known("enclaveOptions.enabled", False))
            or template.known("cpuOptions.amdSevSnp", "disabled") == "enabled")


@stack_policy(
    "eks-node-group-confidential-compute",
    description="Node groups that may run data classes requiring confidential compute must launch with "
                "Nitro Enclaves or AMD SEV-SNP.",
    controls=["RAZ-CMP-004"])
def eks_node_group_confidential_compute(stack: StackView) -> Iterator[tuple[str, str]]:
    rules = stack.settings.data_class_policy
    for group in stack.of_type(EKS_NODE_GROUP):
        classes = _data_classes(group)
        declared = _true(_known_entry(group, "tags", TAG_CONFIDENTIAL_REQUIRED))
        # A class the pack config does not know is treated as requiring it (fail closed).
        strict = [c for c in classes if c not in rules or rules[c].require_confidential_compute]
        if not (declared or strict):
            continue
        reason = f"data class {strict[0]}" if strict else f"its {TAG_CONFIDENTIAL_REQUIRED} tag"
        template = _launch_template_of(group, stack)
        if template is None:
            yield group.urn, (f"EKS node group '{group.name}' must run on confidential compute ({reason}) but "
                              "has no launch template in this stack to prove Nitro Enclaves or AMD SEV-SNP.")
        elif not _confidential(template):
            yield group.urn, (f"EKS node group '{group.name}' must run on confidential compute ({reason}) but its "
                              f"launch template '{template.name}' enables neither enclaveOptions nor "
                              "cpuOptions.amdSevSnp.")


@stack_policy(
    "ec2-sev-snp-supported-instance-type",
    description="AMD SEV-SNP may be requested only on instance types that support it (M6a, R6a, C6a sizes).",
    controls=["RAZ-CMP-005"])
def ec2_sev_snp_supported_instance_type(stack: StackView) -> Iterator[tuple[str, str]]:
    supported = ", ".join(supporting("amd_sev_snp"))
    for template in stack.of_type(LAUNCH_TEMPLATE):
        instance_type = template.known("instanceType", None)
        if template.known("cpuOptions.amdSevSnp", "disabled") == "enabled" and instance_type:
            for bad in sev_snp_unsupported([instance_type]):
                yield template.urn, (f"launch template '{template.name}': {bad} does not support AMD SEV-SNP; "
                                     f"supported: {supported}")
    for group in stack.of_type(EKS_NODE_GROUP):
        template = _launch_template_of(group, stack)
        if template is None or template.known("cpuOptions.amdSevSnp", "disabled") != "enabled":
            continue
        for bad in sev_snp_unsupported(list(group.known("instanceTypes", None) or [])):
            yield group.urn, (f"EKS node group '{group.name}': {bad} does not support AMD SEV-SNP; "
                              f"supported: {supported}")


def _gpu_types(group: ResourceView) -> list[str]:
    """The group's types that run on GPU parents; a type the catalog does not know counts (fail closed)."""
    catalog = instance_catalog()
    return [t for t in group.known("instanceTypes", None) or [] if t not in catalog or catalog[t].gpus > 0]


@resource_policy(
    "eks-gpu-node-group-acknowledgement",
    description="A node group on GPU instances may run a data class requiring confidential compute only with the "
                "recorded acknowledgement of what GPU parents do not guarantee.",
    controls=["RAZ-CMP-009"], types=[EKS_NODE_GROUP])
def eks_gpu_node_group_acknowledgement(group: ResourceView) -> Iterator[str]:
    rules = group.settings.data_class_policy
    strict = [c for c in _data_classes(group) if c not in rules or rules[c].require_confidential_compute]
    if _true(_known_entry(group, "tags", TAG_CONFIDENTIAL_REQUIRED)):
        strict = strict or [f"(its {TAG_CONFIDENTIAL_REQUIRED} tag)"]
    gpus = _gpu_types(group)
    if not (strict and gpus):
        return
    approval = _known_entry(group, "tags", TAG_GPU_ACKNOWLEDGEMENT)
    if not (isinstance(approval, str) and approval.strip()):
        yield (f"EKS node group '{group.name}' runs on GPU parents ({', '.join(gpus)}) and may run {strict[0]}, "
               "which requires confidential compute; GPU parents do not encrypt or attest what they process "
               "(catalog/confidential_modes.yaml, nitro_system): record the group's gpu_processing_acknowledgement "
               f"(its approval becomes the {TAG_GPU_ACKNOWLEDGEMENT} tag) or run the class on a sev_snp CPU group.")
