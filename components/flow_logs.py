"""VPC flow logs (control RAZ-NET-006): ALL traffic, accepted and rejected, twice.

- To the zone's WORM audit bucket (S3 Object Lock, COMPLIANCE mode), so that the network record is
  kept write-once for the audit retention like the trail. Delivery to S3 runs as the log delivery
  service (delivery.logs.amazonaws.com), which the audit bucket's policy and the audit key's policy
  admit for this account only; the bucket's default encryption (SSE-KMS, audit key) applies, and
  files land under AWSLogs/<account>/vpcflowlogs/ (VPC user guide, "Flow logs for Amazon S3").
- To a KMS-encrypted, retained, protected CloudWatch log group, for queries and alerting.
They are the record that the network controls worked."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam_documents import service_trust_policy
from components.log_groups import zone_log_group

# One-minute aggregation: the finest AWS offers, so that short exfiltration bursts are visible.
AGGREGATION_SECONDS = 60


@dataclass
class FlowLogsArgs:
    zone_name: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    retention_days: int
    # The zone's WORM audit bucket and its policy (the delivery service is admitted there).
    archive_bucket_arn: pulumi.Input[str]
    archive_bucket_policy: pulumi.Resource


def delivery_trust_policy(account_id: str) -> str:
    """Only the flow-logs service, acting for the zone's own account, may assume the delivery role."""
    return service_trust_policy("vpc-flow-logs.amazonaws.com",
                                condition={"StringEquals": {"aws:SourceAccount": account_id}})


def delivery_policy(log_group_arn: str) -> str:
    """Write access to the flow-log group only."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        "Resource": [log_group_arn, f"{log_group_arn}:*"]}]})


class FlowLogs(pulumi.ComponentResource):
    """The flow-log group, its delivery role and flow log, and the flow log to the WORM audit bucket."""

    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: FlowLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:network:FlowLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = zone_log_group(f"{name}-logs", log_group_name=f"/regzone/{args.zone_name}/vpc-flow-logs",
                                        kms_key_arn=args.kms_key_arn, retention_days=args.retention_days,
                                        tier="audit", parent=self)
        role = aws.iam.Role(f"{name}-role", description=f"{args.zone_name}: VPC flow log delivery",
                            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(delivery_trust_policy),
                            opts=child)
        aws.iam.RolePolicy(f"{name}-role-policy", role=role.id, policy=self.log_group.arn.apply(delivery_policy),
                           opts=child)
        aws.ec2.FlowLog(f"{name}-vpc", vpc_id=args.vpc_id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=self.log_group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=AGGREGATION_SECONDS,
                        tags={"Name": f"{args.zone_name}-vpc-flow-logs"}, opts=child)
        aws.ec2.FlowLog(f"{name}-vpc-archive", vpc_id=args.vpc_id, traffic_type="ALL", log_destination_type="s3",
                        log_destination=args.archive_bucket_arn, max_aggregation_interval=AGGREGATION_SECONDS,
                        tags={"Name": f"{args.zone_name}-vpc-flow-logs-archive"},
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[args.archive_bucket_policy]))
        self.register_outputs({"log_group_arn": self.log_group.arn})
