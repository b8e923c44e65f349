"""An audit trail (controls RAZ-LOG-001..003): a zone's data-event trail, or the account baseline's
management trail.

Every trail has log-file validation, so that a deleted or altered log file is detectable; KMS with
the audit key; delivery to the WORM audit bucket; and a CloudWatch Logs copy in an audit-tier log
group for alerting. A zone's trail records the S3 data events of the zone's data buckets (who read or
wrote regulated data), in the zone's region (S3 data events are delivered by the trail of the bucket's
region). The account's management events are recorded once per account, by the account baseline's
trail (`records_management_events`: multi-region, global service events, components/account_baseline.py),
so that activity in a region no zone uses (or in IAM) is recorded, because every further trail
recording management events is billed and an account holds at most 5 trails per region (CloudTrail
user guide, "Quotas in AWS CloudTrail").
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam_documents import service_trust_policy
from components.log_groups import CLOUDWATCH_RETENTION_DAYS, zone_log_group


def trail_arn(*, partition: str, region: str, account_id: str, trail_name: str) -> str:
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{trail_name}"


@dataclass
class AuditTrailArgs:
    zone_name: str
    region: str
    account_id: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    # The audit bucket's policy: CloudTrail checks it when the trail is created.
    bucket_policy: pulumi.Resource
    kms_key_arn: pulumi.Input[str]
    retention_days: int
    data_bucket_arns: Sequence[pulumi.Input[str]] = field(default_factory=list)
    partition: pulumi.Input[str] = "aws"
    # The account's management trail (multi-region, global service events: the account baseline's);
    # False: a zone's data events only, in the zone's region.
    records_management_events: bool = True


class AuditTrail(pulumi.ComponentResource):
    """`trail` and `log_group` (the CloudWatch Logs copy for alerting)."""

    trail: aws.cloudtrail.Trail
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:audit:AuditTrail", name, None, opts)
        if not args.records_management_events and not args.data_bucket_arns:
            raise ValueError(f"AuditTrail {name}: a trail that records neither management events nor data events "
                             "records nothing; give the zone's data buckets, or make it the account's management trail")
        trail_name = f"{args.zone_name}-audit"
        management = args.records_management_events
        # The WORM bucket is the record; the CloudWatch copy serves alerting and keeps what
        # CloudWatch can (at most ten years).
        self.log_group = zone_log_group(
            f"{name}-logs", log_group_name=f"/regzone/{args.zone_name}/cloudtrail", kms_key_arn=args.kms_key_arn,
            retention_days=min(args.retention_days, CLOUDWATCH_RETENTION_DAYS[-1]), tier="audit", parent=self)

        source_arn = pulumi.Output.all(args.partition, args.account_id).apply(
            lambda v: trail_arn(partition=v[0], region=args.region, account_id=v[1], trail_name=trail_name))
        role = aws.iam.Role(
            f"{name}-logs-role",
            description=f"CloudTrail {trail_name} writes to its CloudWatch log group",
            assume_role_policy=pulumi.Output.all(source_arn, args.account_id).apply(lambda v: service_trust_policy(
                "cloudtrail.amazonaws.com",
                condition={"StringEquals": {"aws:SourceArn": v[0], "aws:SourceAccount": v[1]}})),
            opts=pulumi.ResourceOptions(parent=self))
        role_policy = aws.iam.RolePolicy(
            f"{name}-logs-write",
            role=role.id,
            policy=self.log_group.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{arn}:log-stream:*",
                }],
            }, sort_keys=True)),
            opts=pulumi.ResourceOptions(parent=self))

        data_resources = ([aws.cloudtrail.TrailEventSelectorDataResourceArgs(
            type="AWS::S3::Object", values=[pulumi.Output.concat(arn, "/") for arn in args.data_bucket_arns])]
            if args.data_bucket_arns else None)
        self.trail = aws.cloudtrail.Trail(
            name,
            name=trail_name,
            s3_bucket_name=args.bucket_name,
            kms_key_id=args.kms_key_arn,
            is_multi_region_trail=management,
            include_global_service_events=management,
            enable_log_file_validation=True,
            enable_logging=True,
            cloud_watch_logs_group_arn=pulumi.Output.concat(self.log_group.arn, ":*"),
            cloud_watch_logs_role_arn=role.arn,
            event_selectors=[aws.cloudtrail.TrailEventSelectorArgs(
                read_write_type="All", include_management_events=management, data_resources=data_resources)],
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                        depends_on=[args.bucket_policy, role_policy]))
        self.register_outputs({"trail_arn": self.trail.arn, "log_group": self.log_group.name})
