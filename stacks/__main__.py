"""The regulated AI zone program: one RegulatedAiZone per zone in the stack config."""
import pulumi
import pulumi_aws as aws

from components.baseline_reference import account_baseline
from components.zone import RegulatedAiZone
from components.zone_inputs import stack_config_path, zone_inputs
from regzone.config import ConfigError
from regzone.config.program import stack_config_from_runtime
from regzone.tags import (TAG_CHANGE_REF, TAG_DATA_CLASS, TAG_ENVIRONMENT, TAG_MANAGED_BY, TAG_OWNER,
                          TAG_ZONE, data_class_tag)

try:
    stack = stack_config_from_runtime()
except ConfigError as err:
    # RunError prints the message alone: the user sees which key is wrong, not a stack trace.
    raise pulumi.RunError(str(err)) from None

providers = {zone.name: aws.Provider(f"{zone.name}-aws", region=stack.zone_region(zone), default_tags={"tags": {
    TAG_OWNER: stack.owner,
    TAG_ZONE: zone.name,
    TAG_DATA_CLASS: data_class_tag(stack.zone_data_classes(zone)),
    TAG_ENVIRONMENT: stack.environment,
    TAG_CHANGE_REF: stack.change_ref,
    TAG_MANAGED_BY: "pulumi",
}}) for zone in stack.zones}

# The account-wide singletons (management trail, public access block, EBS default encryption, Access
# Analyzer, ECR registry settings, the Auto Scaling service-linked role) are the account baseline's:
# this stack reads its outputs and creates none of them. Fails at preview without a deployed baseline.
caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers[stack.zones[0].name]))
baseline = account_baseline(stack, caller.account_id)

# The same inputs a program in another language gives the component provider, built from the stack
# config (already validated as a whole); messages name this stack file's keys.
zones = {}
for index, zone in enumerate(stack.zones):
    zones[zone.name] = RegulatedAiZone(zone.name, zone_inputs(
        stack, zone, autoscaling_role_arn=baseline.apply(lambda b: b.autoscaling_service_linked_role_arn)),
        opts=pulumi.ResourceOptions(providers=[providers[zone.name]]), config_path=stack_config_path(index))

pulumi.export("zones", {name: {"key_arns": z.keys.key_arns, "audit_bucket": z.audit_bucket.bucket.bucket,
                               "record_key_arn": z.record_key.key.arn,  # read by `regzone record`
                               "access_log_bucket": z.audit_bucket.access_log_bucket.bucket,
                               "trail_arn": z.audit_trail.trail.arn,
                               "data_buckets": {c: b.bucket for c, b in z.data_buckets.buckets.items()},
                               "data_bucket_arns": z.data_buckets.bucket_arns,
                               # The subnets holding the zone's interface endpoints: what in-cluster
                               # NetworkPolicies let pods reach on 443 (not the whole VPC).
                               "endpoint_subnet_cidrs": z.network.endpoint_subnet_cidrs}
                        for name, z in zones.items()})
# Read by the in-cluster program (Kubernetes objects, run from inside the VPC) through a StackReference:
# `clusters.<zone>.name`, `.arn`, `.endpoint`, `.certificate_authority` (base64 PEM), `.node_role_arn`.
pulumi.export("clusters", {name: {"name": z.cluster.name, "arn": z.cluster.arn, "endpoint": z.cluster.endpoint,
                                  "certificate_authority": z.cluster.certificate_authority,
                                  "node_role_arn": z.cluster.node_role.arn}
                           for name, z in zones.items() if z.cluster is not None})
pulumi.export("registries", {name: z.registry.repository_urls for name, z in zones.items() if z.registry is not None})
