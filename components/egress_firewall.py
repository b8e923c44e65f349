"""The zone's only internet path (control RAZ-NET-005): AWS Network Firewall with a domain allow-list.

workload subnet -> firewall endpoint (same AZ) -> NAT gateway (egress subnet) -> internet gateway.
Replies come back through the same firewall endpoint (egress route table: workload CIDR -> endpoint).
The stateful engine runs in STRICT_ORDER with a default drop: only TLS SNI / HTTP Host names on the
zone's `egress.allowed_destinations` pass; every other protocol is dropped. Alert and flow logs go
to KMS-encrypted, retained log groups.

The rule group, the firewall policy and the firewall are encrypted with the zone's audit key rather
than an AWS owned key (Network Firewall developer guide, "Encryption at rest with AWS Key Management
Service"): the allow-list is the zone's network evidence, so whoever may read or change it is
decided by the same key policy as its logs. Network Firewall uses the key through grants it creates
as the caller (catalog/key_caller_permissions.yaml, components/kms_policy.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.log_groups import zone_log_group

# Stateful rule group capacity is fixed at creation; a domain list uses one unit per domain and target type.
RULE_GROUP_CAPACITY = 1000
TARGET_TYPES = ("TLS_SNI", "HTTP_HOST")
INTERNET_PORTS = (80, 443)
ANYWHERE = "0.0.0.0/0"


@dataclass
class EgressFirewallArgs:
    zone_name: str
    vpc_id: pulumi.Input[str]
    availability_zones: list[pulumi.Input[str]]
    allowed_destinations: Sequence[str]
    firewall_subnet_ids: list[pulumi.Input[str]]
    egress_subnet_ids: list[pulumi.Input[str]]
    workload_cidrs: list[str]
    workload_route_table_ids: list[pulumi.Input[str]]
    firewall_route_table_ids: list[pulumi.Input[str]]
    egress_route_table_ids: list[pulumi.Input[str]]
    # The zone's audit key: encrypts the rule group, policy and firewall, and the firewall's logs.
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int


def firewall_endpoints_by_az(statuses) -> dict[str, str]:
    """{availability zone: firewall endpoint id} from the firewall's `firewall_statuses` output."""
    endpoints = {}
    for status in statuses or []:
        for state in status.sync_states or []:
            for attachment in state.attachments or []:
                if attachment.endpoint_id:
                    endpoints[state.availability_zone] = attachment.endpoint_id
    return endpoints


class EgressFirewall(pulumi.ComponentResource):
    """IGW, NAT gateways, the allow-list firewall with its logging, and the routes through it."""

    firewall: aws.networkfirewall.Firewall
    endpoint_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: EgressFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.allowed_destinations:
            raise ValueError(f"EgressFirewall {name}: an empty allow-list means an air-gapped zone; "
                             "do not create an egress firewall for it")
        if len(args.allowed_destinations) * len(TARGET_TYPES) > RULE_GROUP_CAPACITY:
            raise ValueError(f"EgressFirewall {name}: {len(args.allowed_destinations)} allowed destinations "
                             f"exceed the rule group capacity of {RULE_GROUP_CAPACITY // len(TARGET_TYPES)}")
        super().__init__("regzone:network:EgressFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        encryption = {"type": "CUSTOMER_KMS", "key_id": args.kms_key_arn}

        rule_group = aws.networkfirewall.RuleGroup(
            f"{name}-allowlist", name=f"{args.zone_name}-egress-allowlist", type="STATEFUL",
            capacity=RULE_GROUP_CAPACITY,
            description=f"regulated AI zone {args.zone_name}: allowed egress destinations",
            rule_group={
                "rules_source": {"rules_source_list": {
                    "generated_rules_type": "ALLOWLIST", "target_types": list(TARGET_TYPES),
                    "targets": sorted(args.allowed_destinations)}},
                "stateful_rule_options": {"rule_order": "STRICT_ORDER"},
            }, encryption_configuration=encryption, opts=child)
        policy = aws.networkfirewall.FirewallPolicy(
            f"{name}-policy", name=f"{args.zone_name}-egress",
            firewall_policy={
                "stateless_default_actions": ["aws:forward_to_sfe"],
                "stateless_fragment_default_actions": ["aws:forward_to_sfe"],
                "stateful_engine_options": {"rule_order": "STRICT_ORDER"},
                # Established flows that no allow rule matched are dropped and alerted on.
                "stateful_default_actions": ["aws:drop_established", "aws:alert_established"],
                "stateful_rule_group_references": [{"resource_arn": rule_group.arn, "priority": 1}],
            }, encryption_configuration=encryption, opts=child)
        self.firewall = aws.networkfirewall.Firewall(
            f"{name}-firewall", name=f"{args.zone_name}-egress", vpc_id=args.vpc_id,
            firewall_policy_arn=policy.arn,
            subnet_mappings=[{"subnet_id": s} for s in args.firewall_subnet_ids],
            delete_protection=True, subnet_change_protection=True, firewall_policy_change_protection=True,
            encryption_configuration=encryption, opts=child)

        log_groups = {log_type: zone_log_group(
            f"{name}-{log_type.lower()}-logs", log_group_name=f"/regzone/{args.zone_name}/network-firewall/{log_type.lower()}",
            kms_key_arn=args.kms_key_arn, retention_days=args.log_retention_days, tier="audit", parent=self)
            for log_type in ("ALERT", "FLOW")}
        aws.networkfirewall.LoggingConfiguration(
            f"{name}-logging", firewall_arn=self.firewall.arn,
            logging_configuration={"log_destination_configs": [
                {"log_type": log_type, "log_destination_type": "CloudWatchLogs",
                 "log_destination": {"logGroup": group.name}} for log_type, group in log_groups.items()]},
            opts=child)

        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=args.vpc_id, tags={"Name": f"{args.zone_name}-igw"},
                                      opts=child)
        endpoints = self.firewall.firewall_statuses.apply(firewall_endpoints_by_az)
        self.endpoint_ids = []
        for index, az in enumerate(args.availability_zones):
            endpoint_id = pulumi.Output.all(endpoints, az).apply(lambda v, i=index: _endpoint_in(v[0], v[1], name, i))
            self.endpoint_ids.append(endpoint_id)
            eip = aws.ec2.Eip(f"{name}-nat-{index}-eip", domain="vpc", tags={"Name": f"{args.zone_name}-nat-{index}"},
                              opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]))
            nat = aws.ec2.NatGateway(f"{name}-nat-{index}", allocation_id=eip.id, subnet_id=args.egress_subnet_ids[index],
                                     connectivity_type="public", tags={"Name": f"{args.zone_name}-nat-{index}"},
                                     opts=child)
            aws.ec2.Route(f"{name}-workload-{index}-default", route_table_id=args.workload_route_table_ids[index],
                          destination_cidr_block=ANYWHERE, vpc_endpoint_id=endpoint_id, opts=child)
            aws.ec2.Route(f"{name}-firewall-{index}-default", route_table_id=args.firewall_route_table_ids[index],
                          destination_cidr_block=ANYWHERE, nat_gateway_id=nat.id, opts=child)
            aws.ec2.Route(f"{name}-egress-{index}-default", route_table_id=args.egress_route_table_ids[index],
                          destination_cidr_block=ANYWHERE, gateway_id=igw.id, opts=child)
            aws.ec2.Route(f"{name}-egress-{index}-return", route_table_id=args.egress_route_table_ids[index],
                          destination_cidr_block=args.workload_cidrs[index], vpc_endpoint_id=endpoint_id, opts=child)

        self.register_outputs({"firewall_arn": self.firewall.arn, "endpoint_ids": self.endpoint_ids})


def _endpoint_in(endpoints: dict[str, str], az: str, name: str, index: int) -> str:
    try:
        return endpoints[az]
    except KeyError:
        raise ValueError(f"EgressFirewall {name}: the firewall reports no endpoint in {az} "
                         f"(subnet {index}); its endpoints are in {sorted(endpoints)}") from None
