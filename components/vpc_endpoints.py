"""Private endpoints (control RAZ-NET-007): the zone reaches AWS services without the internet.

S3 is a gateway endpoint on the workload route tables; the others are interface endpoints in the
workload subnets with private DNS, reachable on 443 from the VPC only. Every endpoint policy admits
only the zone's own account, so stolen credentials of another account cannot use it as an
exfiltration path.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# Services every zone needs: image pulls (ECR api/dkr, layers in S3), encryption, credentials, logs,
# the private EKS API and the EC2 API (node bootstrap, VPC CNI).
INTERFACE_SERVICES = ("ecr.api", "ecr.dkr", "kms", "sts", "logs", "eks", "ec2")
SSM_SERVICES = ("ssm", "ssmmessages", "ec2messages")
# EKS Pod Identity: the agent on each node exchanges the pod's token for credentials with the EKS
# Auth API; nodes in private subnets reach it only through this endpoint (EKS user guide, "Set up
# the Amazon EKS Pod Identity Agent": a PrivateLink interface endpoint for EKS Auth is required).
CLUSTER_SERVICES = ("eks-auth",)


@dataclass
class VpcEndpointsArgs:
    zone_name: str
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Input[str]]
    route_table_ids: list[pulumi.Input[str]]
    ssm: bool = False
    # The zone runs an EKS cluster: its pods get credentials through EKS Pod Identity.
    cluster: bool = False
    # Nodes install OS packages at boot (Nitro Enclaves nodes): the S3 endpoint admits AL2023's repository.
    os_repositories: bool = False


def interface_services(*, ssm: bool, cluster: bool) -> tuple[str, ...]:
    """The interface endpoint services of a zone (its DNS firewall allows the names they serve)."""
    return INTERFACE_SERVICES + (CLUSTER_SERVICES if cluster else ()) + (SSM_SERVICES if ssm else ())


def endpoint_policy(service: str, account_id: str, region: str, *, os_repositories: bool = False) -> str:
    """Endpoint policy for `service`: principals of the zone's account only.

    S3 also limits the buckets to the zone's account (the global `aws:ResourceAccount`, which every S3
    action carries; `s3:ResourceAccount` is not defined for all of them), plus read-only ECR's layer
    bucket (image layers live there) and, with `os_repositories`, the Amazon Linux 2023 package
    repository of the region, from which enclave nodes install the Nitro Enclaves CLI at boot
    (components/enclave_user_data.py). STS also admits AssumeRoleWithWebIdentity (IRSA, no caller
    credentials) into the zone's own roles.
    """
    statements = [{"Sid": "ZoneAccountPrincipals", "Effect": "Allow", "Principal": "*", "Action": "*",
                   "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}}}]
    if service == "s3":
        statements = [
            {"Sid": "ZoneAccountBuckets", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id, "aws:ResourceAccount": account_id}}},
            {"Sid": "EcrImageLayers", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             # ECR hands out presigned URLs signed by AWS's own account: no principal condition fits.
             "Resource": f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"},
        ]
        if os_repositories:
            # dnf on AL2023 reads https://al2023-repos-<region>-de612dc2.s3.dualstack.<region>.amazonaws.com
            # (its mirror list; `dnf repolist -v` shows it) without credentials.
            statements.append({"Sid": "AmazonLinux2023Packages", "Effect": "Allow", "Principal": "*",
                               "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::al2023-repos-{region}-de612dc2/*"})
    elif service == "sts":
        statements.append({"Sid": "ZoneRolesWebIdentity", "Effect": "Allow", "Principal": "*",
                           "Action": "sts:AssumeRoleWithWebIdentity", "Resource": "*",
                           "Condition": {"StringEquals": {"aws:ResourceAccount": account_id}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class VpcEndpoints(pulumi.ComponentResource):
    """The S3 gateway endpoint, the interface endpoints and their security group."""

    security_group_id: pulumi.Output[str]
    endpoint_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: VpcEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:network:VpcEndpoints", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{args.zone_name}: HTTPS to AWS interface endpoints",
            ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [args.vpc_cidr],
                      "description": "HTTPS from the zone VPC"}],
            egress=[], tags={"Name": f"{args.zone_name}-endpoints"}, opts=child)
        self.security_group_id = security_group.id

        def policy(service: str) -> pulumi.Output[str]:
            return pulumi.Output.from_input(args.account_id).apply(
                lambda account: endpoint_policy(service, account, args.region, os_repositories=args.os_repositories))

        self.endpoint_ids = {"s3": aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=args.vpc_id, service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=args.route_table_ids, policy=policy("s3"),
            tags={"Name": f"{args.zone_name}-s3"}, opts=child).id}
        for service in interface_services(ssm=args.ssm, cluster=args.cluster):
            endpoint = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=args.vpc_id,
                service_name=f"com.amazonaws.{args.region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=args.subnet_ids, security_group_ids=[security_group.id],
                policy=policy(service), tags={"Name": f"{args.zone_name}-{service}"}, opts=child)
            self.endpoint_ids[service] = endpoint.id

        self.register_outputs({"security_group_id": self.security_group_id, "endpoint_ids": self.endpoint_ids})
