"""The in-cluster program of a regulated AI zone: namespaces, admission, RBAC, workload identity and
the device plugins that make its GPUs and enclaves schedulable.

It reads the zone stack's outputs (cluster name, ARN, endpoint, CA; data key and buckets) through a
StackReference, and the zone's config (workloads, data classes, VPC, egress) from the zone stack's
file in this repository, so that the zone config stays the single source of truth.
"""
import json

import pulumi
import pulumi.runtime.config as runtime_config
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.k8s.admission import SYSTEM_NAMESPACES, WorkloadAdmission, WorkloadAdmissionArgs
from components.k8s.device_plugins import DevicePlugins, DevicePluginsArgs
from components.k8s.incluster_config import ZoneOutputs, kubeconfig, parse_incluster_config, zone_of
from components.k8s.namespaces import RegulatedNamespace, RegulatedNamespaceArgs
from components.k8s.rbac import ZoneAccess, ZoneAccessArgs
from components.k8s.signing import ImageSignatures, ImageSignaturesArgs
from components.k8s.workload_identity import (WorkloadIdentity, WorkloadIdentityArgs, attested_key_statements,
                                              workload_data_statements)
from regzone.config import ConfigError
from regzone.config.loader import load_stack_file
from regzone.instance_types import instance_catalog
from regzone.paths import STACKS_DIR
from regzone.tags import (TAG_CHANGE_REF, TAG_DATA_CLASS, TAG_ENVIRONMENT, TAG_MANAGED_BY, TAG_OWNER,
                          TAG_ZONE, data_class_tag)

source = f"incluster/Pulumi.{pulumi.get_stack()}.yaml"
try:
    settings = parse_incluster_config({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}, source)
    zone_file = STACKS_DIR / f"Pulumi.{settings.zone_stack_name}.yaml"
    stack = load_stack_file(zone_file)
    zone = zone_of(stack, settings.zone, source)
except ConfigError as err:
    raise pulumi.RunError(str(err)) from None

region = stack.zone_region(zone)
# A bare stack name is qualified with this stack's organization: it resolves on Pulumi Cloud and on the
# self-managed backend alike (components/k8s/incluster_config.py).
zone_stack = settings.zone_stack_reference(pulumi.get_organization())
reference = pulumi.StackReference(zone_stack)
outputs = pulumi.Output.all(reference.get_output("clusters"), reference.get_output("zones")).apply(
    lambda v: ZoneOutputs.of({"clusters": v[0] or {}, "zones": v[1] or {}}, zone.name, zone_stack))

aws_provider = aws.Provider("zone-aws", region=region, default_tags={"tags": {
    TAG_OWNER: stack.owner, TAG_ZONE: zone.name, TAG_DATA_CLASS: data_class_tag(stack.zone_data_classes(zone)),
    TAG_ENVIRONMENT: stack.environment, TAG_CHANGE_REF: stack.change_ref, TAG_MANAGED_BY: "pulumi"}})
cluster = k8s.Provider("zone-cluster", kubeconfig=outputs.apply(lambda o: json.dumps(kubeconfig(o, region))),
                       enable_server_side_apply=True)
on_cluster = pulumi.ResourceOptions(provider=cluster)
on_both = pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": cluster})
identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=aws_provider))

if zone.cluster is None:
    raise pulumi.RunError(f"{source}: zone {zone.name} has no cluster in {zone_file}; the in-cluster program "
                          "needs one (zones[].cluster)")


def node_capacity(classes: list[str]) -> tuple[dict[str, str], int]:
    """The largest node (CPU, memory) a pod of `classes` may land on, and how many GPUs the node
    groups holding those classes have at their maximum size: the namespace's container limits and
    GPU quota follow the node groups."""
    groups = [g for g in zone.cluster.node_groups if set(classes) & set(stack.node_group_data_classes(zone, g))]
    if not groups:
        raise pulumi.RunError(f"{zone_file}: no node group of zone {zone.name} holds {classes}; "
                              "add one (zones[].cluster.node_groups[].data_classes)")
    types = [instance_catalog()[t] for g in groups for t in g.instance_types]
    gpus = sum(g.scaling.max_size * max(instance_catalog()[t].gpus for t in g.instance_types) for g in groups)
    return {"cpu": str(max(t.vcpus for t in types)), "memory": f"{max(t.memory_mib for t in types)}Mi"}, gpus


# S3 through the gateway endpoint: the region's S3 prefix list, resolved at deploy time.
s3_cidrs = aws.ec2.get_prefix_list_output(name=f"com.amazonaws.{region}.s3",
                                          opts=pulumi.InvokeOutputOptions(provider=aws_provider)).cidr_blocks
# One namespace per workload kind the zone runs, permitting exactly the data classes of those workloads.
egress = zone.regulated_ai_zone.egress
namespaces: dict[str, RegulatedNamespace] = {}
for kind in sorted({w.kind for w in zone.workloads}):
    classes = sorted({c for w in zone.workloads if w.kind == kind for c in w.data_classes})
    no_external = any(stack.data_class_policy[c].prohibit_external_llm_calls for c in classes)
    container_max, gpu_capacity = node_capacity(classes)
    namespaces[kind] = RegulatedNamespace(f"{zone.name}-{kind.replace('_', '-')}", RegulatedNamespaceArgs(
        zone_name=zone.name, kind=kind, data_classes=classes, vpc_cidr=str(zone.vpc_cidr),
        kubernetes_version=zone.cluster.kubernetes_version,
        endpoint_cidrs=outputs.apply(lambda o: list(o.endpoint_subnet_cidrs)), s3_cidrs=s3_cidrs,
        container_max=container_max, gpu_capacity=gpu_capacity,
        internet_egress=not egress.is_air_gapped and not no_external), opts=on_cluster)

# The zone's repositories are `<zone>/<repo>` in this account's registry (components/registry.py).
registry = pulumi.Output.concat(identity.account_id, ".dkr.ecr.", region, ".amazonaws.com/", zone.name)
WorkloadAdmission(f"{zone.name}-admission", WorkloadAdmissionArgs(
    zone_name=zone.name, registry=registry,
    exempt_namespaces=[*SYSTEM_NAMESPACES, *settings.admission_exempt_namespaces],
    confidential_classes=stack.strict_classes(stack.zone_data_classes(zone))), opts=on_cluster)
# Each plugin image as the zone config's intake record promoted it into the zone registry, by digest.
plugins = {name: zone.device_plugin_artifact(name) for name in zone.device_plugins_needed()}
if plugins:
    DevicePlugins(f"{zone.name}-device-plugins", DevicePluginsArgs(zone_name=zone.name, images={
        name: pulumi.Output.concat(registry, "/", record.repository, "@", record.checksum)
        for name, record in plugins.items()}, data_classes=stack.zone_data_classes(zone)), opts=on_cluster)
if settings.verify_image_signatures:
    ImageSignatures(f"{zone.name}-signatures", ImageSignaturesArgs(
        zone_name=zone.name, registry=registry, public_key_pem=settings.signer_public_key or ""), opts=on_cluster)
elif zone.regulated_ai_zone.workloads.require_signed_images:
    pulumi.log.warn(f"zone {zone.name} requires signed images but verify_image_signatures is false: signatures "
                    "are checked at promotion into the zone registry only; admission still enforces the zone "
                    "registry and digest pinning. See README 'Running the in-cluster program'.")

ZoneAccess(f"{zone.name}-access", ZoneAccessArgs(
    cluster_name=outputs.cluster_name, namespaces={kind: ns.name for kind, ns in namespaces.items()},
    trainers=settings.access.trainers, inference_operators=settings.access.inference_operators,
    auditors=settings.access.auditors, depends_on=list(namespaces.values())), opts=on_both)

def enclave_key_arn(o: ZoneOutputs) -> str:
    if o.enclave_key_arn is None:
        raise ConfigError(f"zone stack {zone_stack} exports no zones.{zone.name}.key_arns.enclave although the zone "
                          "configures enclave_attestation; deploy the zone stack first (stacks/__main__.py exports it)")
    return o.enclave_key_arn


def statements_of(o: ZoneOutputs, workload) -> list[dict]:
    """What the workload may touch: its buckets' prefix and the data key through S3, and, when it holds a
    class requiring confidential compute, the enclave key from an attested enclave only."""
    found = workload_data_statements(workload=workload.name, bucket_arns=o.data_bucket_arns_for(workload.data_classes),
                                     data_key_arn=o.data_key_arn, region=region)
    if zone.enclave_attestation is not None and stack.strict_classes(workload.data_classes):
        found += attested_key_statements(enclave_key_arn=enclave_key_arn(o),
                                         attestation=zone.enclave_attestation.conditions())
    return found


for workload in zone.workloads:
    namespace = namespaces[workload.kind]
    statements = outputs.apply(lambda o, w=workload: statements_of(o, w))
    WorkloadIdentity(f"{zone.name}-{workload.name}", WorkloadIdentityArgs(
        zone_name=zone.name, cluster_name=outputs.cluster_name, cluster_arn=outputs.cluster_arn,
        account_id=identity.account_id, namespace=namespace.name, service_account=workload.name,
        statements=statements, depends_on=[namespace.namespace]), opts=on_both)

pulumi.export("namespaces", {kind: ns.name for kind, ns in namespaces.items()})
