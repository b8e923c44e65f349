"""The zone's private EKS cluster (controls RAZ-EKS-*).

The API endpoint is reachable only from inside the VPC, Kubernetes secrets are envelope-encrypted
with the zone secrets key, all five control-plane log types go to a KMS-encrypted log group, and
authentication uses EKS access entries (`API` mode: no aws-auth ConfigMap). Kubernetes objects
are applied by a separate in-cluster program that runs inside the VPC (see README).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam_documents import service_trust_policy
from components.k8s.labels import data_class_tolerations
from components.log_groups import zone_log_group

CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# The CoreDNS add-on's own tolerations, which a `tolerations` configuration value replaces (the add-on's
# configuration schema, `aws eks describe-addon-configuration --addon-name coredns`, has `tolerations`;
# AWS Containers blog "Amazon EKS add-ons: Advanced configuration").
COREDNS_DEFAULT_TOLERATIONS = ({"key": "CriticalAddonsOnly", "operator": "Exists"},
                               {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})


def system_tolerations(defaults: Sequence[dict], data_classes: Sequence[str]) -> dict:
    """Add-on configuration: its default tolerations plus those of the zone's data-class taints."""
    return {"tolerations": [*defaults, *data_class_tolerations(data_classes)]}


CLUSTER_ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# Least-privilege managed policies for nodes: the minimal worker policy and pull-only ECR access
# (the repository policies decide which repositories a node may pull from).
NODE_POLICIES = ["AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"]
# Session Manager needs the SSM agent on the node to register with SSM (AWS Systems Manager guide,
# "Configure instance permissions for Systems Manager": AmazonSSMManagedInstanceCore); attached only
# when the zone has the SSM endpoints, so that nodes cannot reach SSM otherwise.
SSM_NODE_POLICY = "AmazonSSMManagedInstanceCore"
KUBELET_PORT = 10250


@dataclass
class AddonVersions:
    vpc_cni: str
    coredns: str
    kube_proxy: str
    eks_pod_identity_agent: str


@dataclass
class PrivateClusterArgs:
    zone_name: str
    region: str
    kubernetes_version: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    secrets_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int
    admin_role_arns: Sequence[str]
    addons: AddonVersions
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str] = "aws"
    # False for air-gapped zones: nodes then reach AWS only through VPC endpoints in the VPC CIDR.
    # True lets HTTPS leave the VPC, where the zone's egress firewall allow-list decides.
    allow_https_egress: bool = False
    # The zone has the SSM interface endpoints (`ssm_endpoints`): nodes get the SSM managed-instance policy.
    ssm_managed: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class PrivateCluster(pulumi.ComponentResource):
    """EKS control plane, its IAM roles and security groups, access entries and pinned add-ons."""

    cluster: aws.eks.Cluster
    node_role: aws.iam.Role
    node_security_group: aws.ec2.SecurityGroup
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]

    def __init__(self, name: str, args: PrivateClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:cluster:PrivateCluster", name, None, opts)
        if len(args.subnet_ids) < 2:
            raise ValueError(f"PrivateCluster {name}: EKS needs subnets in at least two Availability Zones; "
                             f"got {len(args.subnet_ids)}")
        if not args.admin_role_arns:
            raise ValueError(f"PrivateCluster {name}: admin_role_arns is empty; nobody could administer the cluster")
        child = pulumi.ResourceOptions(parent=self)
        self._name, self._args = name, args

        # EKS accepts aws:SourceArn/aws:SourceAccount in the cluster role's trust policy against the
        # confused deputy (EKS user guide, "Cross-service confused deputy prevention in Amazon EKS").
        cluster_arn = pulumi.Output.all(args.partition, args.account_id).apply(
            lambda v: f"arn:{v[0]}:eks:{args.region}:{v[1]}:cluster/{name}")
        cluster_role = aws.iam.Role(
            f"{name}-cluster-role", opts=child,
            assume_role_policy=pulumi.Output.all(cluster_arn, args.account_id).apply(lambda v: service_trust_policy(
                "eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"),
                condition={"StringEquals": {"aws:SourceAccount": v[1]}, "ArnEquals": {"aws:SourceArn": v[0]}})))
        aws.iam.RolePolicyAttachment(f"{name}-cluster-policy", role=cluster_role.name, opts=child,
                                     policy_arn=pulumi.Output.concat(
                                         "arn:", args.partition, ":iam::aws:policy/AmazonEKSClusterPolicy"))
        self.node_role = aws.iam.Role(f"{name}-node-role", assume_role_policy=service_trust_policy(
            "ec2.amazonaws.com"), opts=child)
        for policy in NODE_POLICIES + ([SSM_NODE_POLICY] if args.ssm_managed else []):
            aws.iam.RolePolicyAttachment(f"{name}-node-{policy}", role=self.node_role.name, opts=child,
                                         policy_arn=pulumi.Output.concat("arn:", args.partition,
                                                                         ":iam::aws:policy/", policy))

        self.cluster_security_group, self.node_security_group = self._security_groups()

        log_group = zone_log_group(
            f"{name}-control-plane-logs", log_group_name=f"/aws/eks/{name}/cluster",
            kms_key_arn=args.logs_key_arn, retention_days=args.log_retention_days, tier="audit", parent=self)

        self.cluster = aws.eks.Cluster(
            name,
            name=name,
            version=args.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(args.subnet_ids),
                security_group_ids=[self.cluster_security_group.id],
                endpoint_private_access=True,
                endpoint_public_access=False,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"],
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.secrets_key_arn)),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False),
            enabled_cluster_log_types=CONTROL_PLANE_LOG_TYPES,
            bootstrap_self_managed_addons=False,
            # STANDARD: at the end of standard support EKS upgrades the control plane instead of
            # moving it into extended support, which is billed per cluster hour and is the API's
            # default (EKS user guide, "Cluster upgrade policy"; Kubernetes version lifecycle FAQ).
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=True,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        for index, role_arn in enumerate(args.admin_role_arns):
            entry = aws.eks.AccessEntry(f"{name}-admin-{index}", cluster_name=self.cluster.name,
                                        principal_arn=role_arn, type="STANDARD", opts=child)
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{index}-policy", cluster_name=self.cluster.name, principal_arn=role_arn,
                policy_arn=pulumi.Output.from_input(args.partition).apply(
                    lambda p: CLUSTER_ADMIN_POLICY.format(partition=p)),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))

        # Networking add-ons come before the nodes (nodes become Ready only with the CNI);
        # CoreDNS needs nodes to schedule on, so it is added by `add_coredns` after the node groups.
        self._addon("vpc-cni", args.addons.vpc_cni,
                    configuration={"enableNetworkPolicy": "true"})
        self._addon("kube-proxy", args.addons.kube_proxy)
        # The Pod Identity agent must run on every node, whatever its taints: workloads get their
        # credentials from it. (aws-node of the VPC CNI already tolerates every taint: its DaemonSet
        # has `tolerations: [{operator: Exists}]`, aws/amazon-vpc-cni-k8s config manifests.)
        self._addon("eks-pod-identity-agent", args.addons.eks_pod_identity_agent,
                    configuration={"tolerations": [{"operator": "Exists"}]})

        self.name = self.cluster.name
        self.arn = self.cluster.arn
        self.endpoint = self.cluster.endpoint
        self.certificate_authority = self.cluster.certificate_authority.apply(lambda ca: ca.data)
        self.register_outputs({"name": self.name, "arn": self.arn, "endpoint": self.endpoint,
                               "certificate_authority": self.certificate_authority})

    def add_coredns(self, after: Sequence[pulumi.Resource], data_classes: Sequence[str]) -> aws.eks.Addon:
        """CoreDNS, once node groups exist to run it (an add-on without nodes never becomes active).
        Every node group is tainted per data class (components/node_groups.py), so CoreDNS, a
        Deployment, tolerates the zone's class taints as well as its default ones."""
        return self._addon("coredns", self._args.addons.coredns, depends_on=after,
                           configuration=system_tolerations(COREDNS_DEFAULT_TOLERATIONS, data_classes))

    def _addon(self, addon: str, version: str, *, configuration: dict | None = None,
               depends_on: Sequence[pulumi.Resource] = ()) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{self._name}-{addon}", cluster_name=self.cluster.name, addon_name=addon, addon_version=version,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)))

    def _security_groups(self) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        """The API admits HTTPS from nodes and from the VPC (the in-cluster runner); nodes admit
        the control plane and each other, and send only what the zone needs."""
        name, args = self._name, self._args
        child = pulumi.ResourceOptions(parent=self)
        cluster_sg = aws.ec2.SecurityGroup(f"{name}-cluster-sg", vpc_id=args.vpc_id, revoke_rules_on_delete=True,
                                           description=f"EKS API of zone {args.zone_name}", opts=child)
        node_sg = aws.ec2.SecurityGroup(f"{name}-node-sg", vpc_id=args.vpc_id, revoke_rules_on_delete=True,
                                        description=f"EKS nodes of zone {args.zone_name}", opts=child)
        ingress = aws.vpc.SecurityGroupIngressRule
        egress = aws.vpc.SecurityGroupEgressRule
        ingress(f"{name}-api-from-nodes", security_group_id=cluster_sg.id, referenced_security_group_id=node_sg.id,
                ip_protocol="tcp", from_port=443, to_port=443, description="kubelets and pods to the API", opts=child)
        ingress(f"{name}-api-from-vpc", security_group_id=cluster_sg.id, cidr_ipv4=args.vpc_cidr,
                ip_protocol="tcp", from_port=443, to_port=443,
                description="in-VPC deployment runner to the private API", opts=child)
        egress(f"{name}-api-to-nodes", security_group_id=cluster_sg.id, referenced_security_group_id=node_sg.id,
               ip_protocol="tcp", from_port=KUBELET_PORT, to_port=KUBELET_PORT,
               description="API to kubelets", opts=child)
        egress(f"{name}-api-to-webhooks", security_group_id=cluster_sg.id, referenced_security_group_id=node_sg.id,
               ip_protocol="tcp", from_port=443, to_port=443, description="API to admission webhooks", opts=child)
        ingress(f"{name}-nodes-from-api", security_group_id=node_sg.id, referenced_security_group_id=cluster_sg.id,
                ip_protocol="tcp", from_port=443, to_port=KUBELET_PORT,
                description="API to kubelets and webhooks", opts=child)
        ingress(f"{name}-nodes-from-nodes", security_group_id=node_sg.id, referenced_security_group_id=node_sg.id,
                ip_protocol="-1", description="pod to pod (Kubernetes network policies narrow it)", opts=child)
        egress(f"{name}-nodes-to-vpc", security_group_id=node_sg.id, cidr_ipv4=args.vpc_cidr, ip_protocol="-1",
               description="API, nodes, DNS and VPC endpoints", opts=child)
        if args.allow_https_egress:
            egress(f"{name}-nodes-https-out", security_group_id=node_sg.id, cidr_ipv4="0.0.0.0/0",
                   ip_protocol="tcp", from_port=443, to_port=443,
                   description="HTTPS through the egress firewall allow-list", opts=child)
        else:
            s3 = aws.ec2.get_prefix_list_output(name=f"com.amazonaws.{args.region}.s3",
                                                opts=pulumi.InvokeOutputOptions(parent=self))
            egress(f"{name}-nodes-to-s3", security_group_id=node_sg.id, prefix_list_id=s3.id,
                   ip_protocol="tcp", from_port=443, to_port=443,
                   description="image layers through the S3 gateway endpoint", opts=child)
        return cluster_sg, node_sg
