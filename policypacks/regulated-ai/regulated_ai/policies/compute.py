"""Instance launch policies (controls RAZ-CMP-001..005, RAZ-CMP-009): launch templates and node groups,
and every other type that launches an instance or holds its volumes (instances, spot requests and
fleets, launch configurations, the account's instance metadata defaults, Image Builder build instances,
EBS volumes and snapshots), so that IMDSv2 and volume encryption cannot be skipped through a sibling."""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, unverifiable, resource_policy, stack_policy
from regulated_ai.types import (EBS_SNAPSHOTS, EBS_VOLUME, EC2_INSTANCE, EKS_NODE_GROUP, IMAGEBUILDER_INFRASTRUCTURE,
                                INSTANCE_METADATA_DEFAULTS, LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE, SPOT_FLEET_REQUEST,
                                SPOT_INSTANCE_REQUEST)
from regulated_ai.values import as_bool, reference_at, values_at
from regzone.instance_types import (LABEL_DATA_CLASS_PREFIX, TAG_CONFIDENTIAL_REQUIRED, TAG_GPU_ACKNOWLEDGEMENT,
                                    instance_catalog, sev_snp_unsupported, supporting)
from regzone.tags import TAG_DATA_CLASS, parse_data_class_tag

_AWS_MANAGED_EBS_KEY = re.compile(r"(^|:)alias/aws/ebs$")
# Where each type keeps its instance metadata options (a prefix of httpTokens etc.).
METADATA_OPTIONS = {LAUNCH_TEMPLATE: "metadataOptions.", EC2_INSTANCE: "metadataOptions.",
                    SPOT_INSTANCE_REQUEST: "metadataOptions.", LAUNCH_CONFIGURATION: "metadataOptions.",
                    INSTANCE_METADATA_DEFAULTS: "", IMAGEBUILDER_INFRASTRUCTURE: "instanceMetadataOptions."}


def _true(value, path: str) -> bool:
    """A boolean as the provider reads it (values.as_bool: "true", "1", 1 ...); unset is false."""
    return as_bool(value, path) is True


def imds_problems(resource: ResourceView) -> Iterator[str]:
    """Why the instances a resource launches could reach IMDSv1 or be reached by containers through it."""
    prefix = METADATA_OPTIONS[resource.type]
    what = f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"
    if resource.known(f"{prefix}httpEndpoint", "enabled") == "disabled":
        return
    # Unset means the AMI's default (IMDSv1 allowed on many) or, for the account defaults, no preference.
    tokens = resource.known(f"{prefix}httpTokens", None)
    if tokens != "required":
        yield (f"{what} allows IMDSv1 (httpTokens {tokens or 'not set'}): set {prefix}httpTokens to required.")
    # Unset means the AMI's default, which is 2 on the EKS AL2023 AMIs; -1 is no preference.
    hops = resource.number(f"{prefix}httpPutResponseHopLimit", None)
    if hops is None or hops != 1:
        shown = f"{hops:g}" if hops is not None else "the AMI default"
        yield (f"{what} has an IMDS hop limit of {shown}: containers can reach node credentials. "
               f"Set {prefix}httpPutResponseHopLimit to 1.")


@resource_policy(
    "ec2-launch-template-imdsv2",
    description="Launch templates must require IMDSv2 with a hop limit of 1 (pods cannot reach node credentials).",
    controls=["RAZ-CMP-001"], types=[LAUNCH_TEMPLATE])
def ec2_launch_template_imdsv2(template: ResourceView) -> Iterator[str]:
    yield from imds_problems(template)


@resource_policy(
    "ec2-instance-imdsv2",
    description="Instances, spot requests, launch configurations, Image Builder build instances and the account's "
                "instance metadata defaults must require IMDSv2 with a hop limit of 1; spot fleets launch only "
                "from launch templates (a launch specification cannot require IMDSv2).",
    controls=["RAZ-CMP-001"], types=[*(t for t in METADATA_OPTIONS if t != LAUNCH_TEMPLATE), SPOT_FLEET_REQUEST])
def ec2_instance_imdsv2(resource: ResourceView) -> Iterator[str]:
    if resource.type == SPOT_FLEET_REQUEST:
        if resource.known("launchSpecifications", None):
            yield (f"spot fleet request '{resource.name}' launches from launchSpecifications, which cannot require "
                   "IMDSv2: use launchTemplateConfigs with the zone's launch template.")
        return
    yield from imds_problems(resource)


def _volume_problem(volume: dict, where: str, what: str, key_field: str | None = "kmsKeyId") -> str | None:
    if not _true(volume.get("encrypted"), f"{where}.encrypted"):
        return f"{what} volume {where} is not encrypted: set encrypted to true with the zone volumes key."
    if key_field is None:
        return (f"{what} volume {where} can only use the default EBS key (no kmsKeyId input): use a launch template "
                "with ebs.kmsKeyId set to the zone volumes key.")
    # An unknown key is the output of a key this deployment creates, never the AWS-managed one (which
    # exists per account and region, alias/aws/ebs): a reference, whose callers key-caller-permissions
    # judges through the dependency.
    key = reference_at(volume, key_field)
    if not is_unknown(key) and (not key or _AWS_MANAGED_EBS_KEY.search(str(key))):
        return f"{what} volume {where} uses the default EBS key: set {key_field} to the zone volumes key."
    return None


def _known_value(value, path: str):
    if is_unknown(value):
        raise unverifiable(value, path)
    return value


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
        problem = _volume_problem(_known_value(mapping["ebs"], f"blockDeviceMappings.{index}.ebs"),
                                  mapping.get("deviceName", f"#{index}"), f"launch template '{template.name}'")
        if problem:
            yield problem


# type -> (path of its volume blocks, whether one is required (the root), the input naming the key or None).
_VOLUMES = {
    EC2_INSTANCE: (("rootBlockDevice", True, "kmsKeyId"), ("ebsBlockDevices", False, "kmsKeyId")),
    SPOT_INSTANCE_REQUEST: (("rootBlockDevice", True, "kmsKeyId"), ("ebsBlockDevices", False, "kmsKeyId")),
    LAUNCH_CONFIGURATION: (("rootBlockDevice", True, None), ("ebsBlockDevices", False, None)),
    SPOT_FLEET_REQUEST: (("launchSpecifications.rootBlockDevices", False, "kmsKeyId"),
                         ("launchSpecifications.ebsBlockDevices", False, "kmsKeyId")),
}


@resource_policy(
    "ec2-volumes-encrypted",
    description="Every EBS volume an instance, spot request, spot fleet or launch configuration launches with, and "
                "every EBS volume and snapshot copy or import, must be encrypted with a customer-managed KMS key.",
    controls=["RAZ-CMP-002"], types=[*_VOLUMES, EBS_VOLUME, *EBS_SNAPSHOTS])
def ec2_volumes_encrypted(resource: ResourceView) -> Iterator[str]:
    what = f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"
    if resource.type not in _VOLUMES:  # the volume or snapshot itself
        problem = _volume_problem(resource.props, "", what)
        if problem:
            yield problem.replace("volume  ", "")
        return
    for path, required, key_field in _VOLUMES[resource.type]:
        found = values_at(resource.props, path)
        if required and not found:
            yield (f"{what} declares no {path}, so the root volume follows the AMI and the account default: declare "
                   "it encrypted with the zone volumes key.")
        for where, blocks in found:
            for index, block in enumerate(blocks if isinstance(blocks, list) else [blocks]):
                at = f"{where}.{index}" if isinstance(blocks, list) else where
                problem = _volume_problem(_known_value(block, at) or {}, at, what, key_field)
                if problem:
                    yield problem


@resource_policy(
    "ec2-launch-template-no-public-ip",
    description="Launch templates must state that instances get no public IP address.",
    controls=["RAZ-CMP-003", "RAZ-NET-002"], types=[LAUNCH_TEMPLATE])
def ec2_launch_template_no_public_ip(template: ResourceView) -> Iterator[str]:
    interfaces = [i for i in template.known("networkInterfaces", None) or [] if isinstance(i, dict)]
    if not interfaces:
        yield (f"launch template '{template.name}' leaves public IPs to the subnet's setting: add a network "
               "interface with associatePublicIpAddress 'false'.")
        return
    for index, interface in enumerate(interfaces):
        value = as_bool(interface.get("associatePublicIpAddress"), f"networkInterfaces.{index}.associatePublicIpAddress")
        if value is not False:
            shown = "associates a public IP" if value else "leaves the public IP to the subnet"
            yield (f"launch template '{template.name}' network interface {index} {shown}: "
                   "set associatePublicIpAddress to 'false'.")


@resource_policy(
    "eks-node-group-launch-template",
    description="EKS node groups must be built from a launch template and allow no SSH remote access.",
    controls=["RAZ-CMP-001", "RAZ-CMP-002", "RAZ-CMP-003"], types=[EKS_NODE_GROUP])
def eks_node_group_launch_template(group: ResourceView) -> Iterator[str]:
    # Only whether one is set (its settings are judged on the template): a reference read.
    if group.reference("launchTemplate") is None:
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
        raise unverifiable(value, f"{prop}.{key}")
    return value


def _data_classes(group: ResourceView) -> list[str]:
    labels = group.known("labels", None) or {}
    classes = {key.removeprefix(LABEL_DATA_CLASS_PREFIX) for key in labels
               if key.startswith(LABEL_DATA_CLASS_PREFIX) and _true(_known_entry(group, "labels", key), f"labels.{key}")}
    tag = _known_entry(group, "tags", TAG_DATA_CLASS)
    if isinstance(tag, str):
        classes.update(parse_data_class_tag(tag))
    return sorted(classes)


def _confidential(template: ResourceView) -> bool:
    return (template.flag("enclaveOptions.enabled", False)
            or template.known("cpuOptions.amdSevSnp", "disabled") == "enabled")


@stack_policy(
    "eks-node-group-confidential-compute",
    description="Node groups that may run data classes requiring confidential compute must launch with "
                "Nitro Enclaves or AMD SEV-SNP.",
    controls=["RAZ-CMP-004"], types=(EKS_NODE_GROUP, LAUNCH_TEMPLATE))
def eks_node_group_confidential_compute(stack: StackView) -> Iterator[tuple[str, str]]:
    rules = stack.settings.data_class_policy
    for group in stack.of_type(EKS_NODE_GROUP):
        classes = _data_classes(group)
        declared = _true(_known_entry(group, "tags", TAG_CONFIDENTIAL_REQUIRED), f"tags.{TAG_CONFIDENTIAL_REQUIRED}")
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
    controls=["RAZ-CMP-005"], types=(LAUNCH_TEMPLATE, EC2_INSTANCE, SPOT_INSTANCE_REQUEST, EKS_NODE_GROUP))
def ec2_sev_snp_supported_instance_type(stack: StackView) -> Iterator[tuple[str, str]]:
    supported = ", ".join(supporting("amd_sev_snp"))
    for launcher in stack.of_type(LAUNCH_TEMPLATE, EC2_INSTANCE, SPOT_INSTANCE_REQUEST):
        instance_type = launcher.known("instanceType", None)
        if launcher.known("cpuOptions.amdSevSnp", "disabled") == "enabled" and instance_type:
            for bad in sev_snp_unsupported([instance_type]):
                yield launcher.urn, (f"'{launcher.name}' ({launcher.type.rsplit(':', 1)[1]}): {bad} does not support "
                                     f"AMD SEV-SNP; supported: {supported}")
    for group in stack.of_type(EKS_NODE_GROUP):
        template = _launch_template_of(group, stack)
        if template is None or template.known("cpuOptions.amdSevSnp", "disabled") != "enabled":
            continue
        for bad in sev_snp_unsupported(list(group.known("instanceTypes", None) or [])):
            yield group.urn, (f"EKS node group '{group.name}': {bad} does not support AMD SEV-SNP; "
                              f"supported: {supported}")


def _strict_classes(group: ResourceView, rules: dict) -> list[str]:
    """The classes the group may run that require confidential compute (`rules`: the pack config's
    data_class_policy); a class it does not know counts (fail closed), and the confidential-required
    tag stands for one."""
    strict = [c for c in _data_classes(group) if c not in rules or rules[c].require_confidential_compute]
    if _true(_known_entry(group, "tags", TAG_CONFIDENTIAL_REQUIRED), f"tags.{TAG_CONFIDENTIAL_REQUIRED}"):
        strict = strict or [f"(its {TAG_CONFIDENTIAL_REQUIRED} tag)"]
    return strict


def _gpu_types(group: ResourceView, template: ResourceView | None) -> list[str]:
    """The group's types that run on GPU parents; a type the catalog does not know counts (fail closed).
    EKS takes the types from the node group or from its launch template's instanceType, never both
    (EKS User Guide, "Customize managed nodes with launch templates"); instance requirements in the
    template select types the catalog cannot name, so they count too."""
    catalog = instance_catalog()
    types = list(group.known("instanceTypes", None) or [])
    if template is not None:
        types += [t for t in [template.known("instanceType", None)] if t]
        if template.known("instanceRequirements", None):
            types.append(f"any type of launch template '{template.name}' instanceRequirements")
    elif not types and group.get("launchTemplate", None) is not None:
        types.append("the instance type of a launch template outside this stack")
    return [t for t in types if t not in catalog or catalog[t].gpus > 0]


@stack_policy(
    "eks-gpu-node-group-acknowledgement",
    description="A node group on GPU instances may run a data class requiring confidential compute only with the "
                "recorded acknowledgement of what GPU parents do not guarantee.",
    controls=["RAZ-CMP-009"], types=(EKS_NODE_GROUP, LAUNCH_TEMPLATE))
def eks_gpu_node_group_acknowledgement(stack: StackView) -> Iterator[tuple[str, str]]:
    for group in stack.of_type(EKS_NODE_GROUP):
        strict = _strict_classes(group, stack.settings.data_class_policy)
        gpus = _gpu_types(group, _launch_template_of(group, stack)) if strict else []
        if not gpus:
            continue
        approval = _known_entry(group, "tags", TAG_GPU_ACKNOWLEDGEMENT)
        if not (isinstance(approval, str) and approval.strip()):
            yield group.urn, (
                f"EKS node group '{group.name}' runs on GPU parents ({', '.join(gpus)}) and may run {strict[0]}, "
                "which requires confidential compute; GPU parents do not encrypt or attest what they process "
                "(catalog/confidential_modes.yaml, nitro_system): record the group's gpu_processing_acknowledgement "
                f"(its approval becomes the {TAG_GPU_ACKNOWLEDGEMENT} tag) or run the class on a sev_snp CPU group.")
