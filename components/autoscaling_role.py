"""The EC2 Auto Scaling service-linked role, which the zone volumes keys must name.

Managed node groups launch their instances through EC2 Auto Scaling, as its service-linked role
AWSServiceRoleForAutoScaling, so that role must be allowed to use the volumes key (EC2 Auto
Scaling user guide, "Required AWS KMS key policy for use with encrypted volumes"). A fresh account
has no such role until Auto Scaling is first used, and KMS refuses a key policy naming a principal
that does not exist. The role is one per account, so the account baseline owns it:
`regzone-baseline:autoscaling_service_linked_role` says whether the baseline creates it (`create`:
protected and kept, since every Auto Scaling group of the account depends on it) or finds it
(`existing`: checked at deploy time); zone stacks read its ARN from the baseline's outputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.principal_checks import existing_principal
from regzone.config.model import AUTOSCALING_SERVICE as SERVICE
ROLE_NAME = "AWSServiceRoleForAutoScaling"
ROLE_PATH = f"/aws-service-role/{SERVICE}/"
CONFIG_KEY = "regzone-baseline:autoscaling_service_linked_role"
ServiceLinkedRoleMode = Literal["create", "existing"]


@dataclass
class AutoScalingServiceRoleArgs:
    mode: ServiceLinkedRoleMode


class AutoScalingServiceRole(pulumi.ComponentResource):
    """`arn`: the service-linked role's ARN, once it is created or found."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: AutoScalingServiceRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:security:AutoScalingServiceRole", name, None, opts)
        if args.mode == "create":
            role = aws.iam.ServiceLinkedRole(
                f"{name}-role", aws_service_name=SERVICE,
                opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
            self.arn = role.arn
        elif args.mode == "existing":
            invoke = pulumi.InvokeOutputOptions(parent=self)
            identity = aws.get_caller_identity_output(opts=invoke)
            partition = aws.get_partition_output(opts=invoke)
            expected = pulumi.Output.all(partition.partition, identity.account_id).apply(
                lambda v: f"arn:{v[0]}:iam::{v[1]}:role{ROLE_PATH}{ROLE_NAME}")
            self.arn = existing_principal(expected, CONFIG_KEY, opts=invoke, remedy=(
                f"Set {CONFIG_KEY}: create (the account baseline creates it), or create the role once with "
                f"`aws iam create-service-linked-role --aws-service-name {SERVICE}`."))
        else:
            raise ValueError(f"AutoScalingServiceRole {name}: mode {args.mode!r}; valid: create, existing")
        self.register_outputs({"arn": self.arn})
