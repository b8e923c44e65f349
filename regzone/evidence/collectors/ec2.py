"""EC2: VPCs with their subnets, route tables, default security groups and flow logs; launch
templates with their latest and default versions, and the region's EBS encryption default; instances
that are not terminated, with the options they launched with."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource


def _arn(c: CollectContext, region: str, kind: str, resource_id: str) -> str:
    return f"arn:{c.partition}:ec2:{region}:{c.account}:{kind}/{resource_id}"


def collect_vpcs(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("vpc", region)
    inventory.facts["route_tables"] = attempt(lambda: c.aws.paginate("ec2", region, "describe_route_tables",
                                                                     "RouteTables"))
    inventory.facts["flow_logs"] = attempt(lambda: c.aws.paginate("ec2", region, "describe_flow_logs", "FlowLogs"))
    try:
        vpcs = {v["VpcId"]: Resource(_arn(c, region, "vpc", v["VpcId"]), region,
                                     {**v, "tags": tag_dict(v.get("Tags"))})
                for v in c.aws.paginate("ec2", region, "describe_vpcs", "Vpcs")}
    except ApiError as error:
        inventory.resources.update(vpc=error, subnet=error, default_security_group=error)
        return inventory
    inventory.resources["vpc"] = list(vpcs.values())
    for kind, operation, key, id_key, arn_kind, filters in (
            ("subnet", "describe_subnets", "Subnets", "SubnetId", "subnet", []),
            ("default_security_group", "describe_security_groups", "SecurityGroups", "GroupId", "security-group",
             [{"Name": "group-name", "Values": ["default"]}])):
        try:
            items = c.aws.paginate("ec2", region, operation, key, Filters=filters)
        except ApiError as error:
            inventory.resources[kind] = error
            continue
        inventory.resources[kind] = [
            Resource(_arn(c, region, arn_kind, item[id_key]), region, {**item, "tags": tag_dict(item.get("Tags"))},
                     parent=vpcs.get(item.get("VpcId", "")))
            for item in items]
        c.collected(len(items))
    c.collected(len(vpcs))
    return inventory


def _template(c: CollectContext, region: str, template: dict) -> Resource:
    data = {**template, "tags": tag_dict(template.get("Tags"))}
    data["versions"] = attempt(lambda: c.aws.paginate(
        "ec2", region, "describe_launch_template_versions", "LaunchTemplateVersions",
        LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest", "$Default"]))
    return Resource(_arn(c, region, "launch-template", template["LaunchTemplateId"]), region, data)


def collect_launch_templates(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("launch_templates", region)
    inventory.facts["ebs_encryption_by_default"] = attempt(lambda: bool(c.aws.call(
        "ec2", region, "get_ebs_encryption_by_default").get("EbsEncryptionByDefault")))
    inventory.facts["ebs_default_kms_key"] = attempt(lambda: c.aws.call(
        "ec2", region, "get_ebs_default_kms_key_id").get("KmsKeyId"))
    try:
        templates = c.aws.paginate("ec2", region, "describe_launch_templates", "LaunchTemplates")
    except ApiError as error:
        inventory.resources["launch_template"] = error
        return inventory
    inventory.resources["launch_template"] = c.each(lambda t: _template(c, region, t), templates)
    return inventory


# Instances in these states no longer run anything (EC2 API reference, InstanceState).
_GONE = ("shutting-down", "terminated")


def collect_instances(c: CollectContext, region: str) -> Inventory:
    """Instances as DescribeInstances reports them: EnclaveOptions, CpuOptions (AmdSevSnp) and
    CurrentInstanceBootMode are what they launched with, not what a launch template asked for."""
    inventory = Inventory("instances", region)
    try:
        reservations = c.aws.paginate("ec2", region, "describe_instances", "Reservations")
    except ApiError as error:
        inventory.resources["instance"] = error
        return inventory
    instances = [i for r in reservations for i in r.get("Instances", [])
                 if (i.get("State") or {}).get("Name") not in _GONE]
    inventory.resources["instance"] = [
        Resource(_arn(c, region, "instance", i["InstanceId"]), region, {**i, "tags": tag_dict(i.get("Tags"))})
        for i in instances]
    c.collected(len(instances))
    return inventory
