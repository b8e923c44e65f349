"""Mocks that stand in for the AWS and Kubernetes providers during an offline preview.

They return the computed outputs a provider would (ids, ARNs, names) so that every value a
policy reads is known, exactly as it would be at `pulumi up`. The account id is AWS's
documentation example, never a real account.
"""
from __future__ import annotations

import hashlib
import re

import pulumi

from regzone.instance_types import SEV_SNP_FEATURE, instance_catalog

MOCK_ACCOUNT_ID = "111122223333"
MOCK_PARTITION = "aws"
_AZ_SUFFIXES = "abcdef"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
# The names AWS gives the service-linked roles the programs create (IAM user guide).
_SERVICE_LINKED_ROLE_NAMES = {"autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling"}


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:17]


# ARNs in the form the service returns, for resources whose ARN other documents name (IAM, key and
# bucket policies): the Service Authorization Reference's resource types (kms "key", logs
# "log-group" as pulumi-aws reports it, without the ":*" suffix, eks "cluster", ecr "repository",
# cloudtrail "trail").
_ARN_FORMATS = {
    "aws:kms/key:Key": "arn:{partition}:kms:{region}:{account}:key/{name}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:{partition}:logs:{region}:{account}:log-group:{name}",
    "aws:eks/cluster:Cluster": "arn:{partition}:eks:{region}:{account}:cluster/{name}",
    "aws:ecr/repository:Repository": "arn:{partition}:ecr:{region}:{account}:repository/{name}",
    "aws:cloudtrail/trail:Trail": "arn:{partition}:cloudtrail:{region}:{account}:trail/{name}",
}


def _service_of(type_token: str) -> str:
    # "aws:kms/key:Key" -> "kms"
    return type_token.split(":")[1].split("/")[0]


def deployer_session_arn(deployer_role_arn: object) -> str | None:
    """The caller ARN AWS reports for a session of the deployer role (sts GetCallerIdentity), or
    None when the value is no role ARN (the program's config validation then reports it)."""
    match = re.match(r"^arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$", str(deployer_role_arn))
    if match is None:
        return None
    partition, account, name = match.groups()
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/regzone-preview"


class ZoneMocks(pulumi.runtime.Mocks):
    """Deterministic provider stand-in: same program, same ids, same report.

    The account is the documentation example unless `caller_arn` says otherwise; the caller is a
    plain user unless given (the recorder passes a session of the stack's deployer role, as a
    correct `pulumi up` runs). Every IAM role or user a program looks up exists, except those in
    `absent_principals`: the real lookup at deploy time decides."""

    def __init__(self, region: str, stack_outputs: dict[str, dict] | None = None, *,
                 caller_arn: str | None = None, absent_principals: frozenset[str] = frozenset(),
                 legacy_bios_amis: frozenset[str] = frozenset()) -> None:
        self.region = region
        # Outputs of the stacks a program references (StackReference), by referenced stack name.
        self.stack_outputs = stack_outputs or {}
        self.caller_arn = caller_arn or f"arn:{MOCK_PARTITION}:iam::{MOCK_ACCOUNT_ID}:user/preview"
        self.account_id = self.caller_arn.split(":")[4]
        self.absent_principals = absent_principals
        self.legacy_bios_amis = legacy_bios_amis
        self._subnet_azs: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        resource_id = f"{args.name}-{_short_hash(args.typ + args.name)[:8]}"
        outputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return resource_id, outputs
        if args.typ == "pulumi:pulumi:StackReference":
            name = outputs.get("name") or args.resource_id or args.name
            return name, {"name": name, "outputs": self.stack_outputs.get(name, {}), "secretOutputNames": []}
        if args.typ == REGISTRY_SCANNING and args.resource_id:
            # A read of the live registry scanning configuration (RestrictedRegistry, when another
            # stack owns the registry settings): the offline stand-in assumes an account baseline
            # that scans every repository continuously; the real read at deploy time decides.
            return args.resource_id, {**outputs, "registryId": args.resource_id, "scanType": "ENHANCED",
                                      "rules": [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
                                          {"filter": "*", "filterType": "WILDCARD"}]}]}
        if args.typ.startswith("aws:"):
            service = _service_of(args.typ)
            region = outputs.get("region", self.region)
            outputs.setdefault("arn", f"arn:{MOCK_PARTITION}:{service}:{region}:{self.account_id}:{args.name}")
            outputs.setdefault("id", resource_id)
            name = outputs.get("name", args.name)
            if args.typ in _ARN_FORMATS:
                outputs["arn"] = _ARN_FORMATS[args.typ].format(
                    partition=MOCK_PARTITION, region=region, account=MOCK_ACCOUNT_ID, name=name)
            if args.typ == "aws:kms/key:Key":
                outputs["keyId"] = resource_id
            if args.typ == "aws:iam/role:Role":
                # IAM is global: no region in the ARN (policies read the account from it).
                path = outputs.get("path", "/")
                outputs["arn"] = f"arn:{MOCK_PARTITION}:iam::{self.account_id}:role{path}{outputs.get('name', args.name)}"
            if args.typ == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
                service = outputs["awsServiceName"]
                outputs["name"] = _SERVICE_LINKED_ROLE_NAMES.get(service, f"AWSServiceRoleFor{service.split('.')[0]}")
                outputs["path"] = f"/aws-service-role/{service}/"
                outputs["arn"] = f"arn:{MOCK_PARTITION}:iam::{self.account_id}:role{outputs['path']}{outputs['name']}"
            if args.typ == "aws:ec2/launchTemplate:LaunchTemplate":
                outputs.setdefault("latestVersion", 1)
                outputs.setdefault("defaultVersion", 1)
            if args.typ == "aws:eks/cluster:Cluster":
                name = outputs.get("name", args.name)
                outputs.setdefault("endpoint", f"https://{_short_hash(name).upper()}.gr7.{region}.eks.amazonaws.com")
                outputs.setdefault("certificateAuthority", {"data": "LS0tLS1CRUdJTi1NT0NLLUNBLS0tLS0="})
            if args.typ == "aws:ecr/repository:Repository":
                outputs.setdefault("repositoryUrl",
                                   f"{self.account_id}.dkr.ecr.{region}.amazonaws.com/{outputs.get('name', args.name)}")
            if args.typ == "aws:ec2/vpc:Vpc":
                for key, prefix in (("defaultNetworkAclId", "acl"), ("defaultSecurityGroupId", "sg"),
                                    ("mainRouteTableId", "rtb")):
                    outputs.setdefault(key, f"{prefix}-{_short_hash(key + resource_id)}")
            if args.typ == "aws:ec2/subnet:Subnet":
                self._subnet_azs[resource_id] = outputs.get("availabilityZone", "")
            if args.typ == "aws:networkfirewall/firewall:Firewall":
                # One endpoint per subnet mapping, in that subnet's AZ, as the provider reports them.
                outputs["firewallStatuses"] = [{"syncStates": [
                    {"availabilityZone": self._subnet_azs.get(m["subnetId"], ""),
                     "attachments": [{"subnetId": m["subnetId"], "status": "READY",
                                      "endpointId": f"vpce-{_short_hash(m['subnetId'])}"}]}
                    for m in outputs.get("subnetMappings", [])]}]
            if args.typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
                # A bucket's id is its name, and its ARN names it (pulumi-aws Bucket: id = bucket).
                outputs.setdefault("bucket", args.name)
                outputs["arn"] = f"arn:{MOCK_PARTITION}:s3:::{outputs['bucket']}"
                resource_id = outputs["id"] = outputs["bucket"]
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        function = args.token
        if function == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account_id, "arn": self.caller_arn, "userId": "PREVIEW", "id": self.account_id}
        if function in ("aws:iam/getRoles:getRoles", "aws:iam/getUsers:getUsers"):
            return self._iam_principals("role" if function.endswith("getRoles") else "user", args.args)
        if function == "aws:index/getPartition:getPartition":
            return {"partition": MOCK_PARTITION, "dnsSuffix": "amazonaws.com", "id": MOCK_PARTITION,
                    "reverseDnsPrefix": "com.amazonaws"}
        if function == "aws:index/getRegion:getRegion":
            region = args.args.get("name") or args.args.get("region") or self.region
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if function == "aws:ec2/getPrefixList:getPrefixList":
            # A managed prefix list (e.g. com.amazonaws.<region>.s3), with documentation ranges.
            return {"cidrBlocks": ["192.0.2.0/24", "198.51.100.0/24"], "name": args.args.get("name", ""),
                    "prefixListId": "pl-0123456789abcdef0", "id": "pl-0123456789abcdef0"}
        if function == "aws:index/getAvailabilityZones:getAvailabilityZones":
            region = args.args.get("region") or self.region
            names = [f"{region}{s}" for s in _AZ_SUFFIXES]
            return {"names": names, "zoneIds": [f"{region[:3]}-az{i + 1}" for i in range(len(names))],
                    "id": region}
        if function == "aws:ec2/getInstanceTypes:getInstanceTypes":
            return {"instanceTypes": _instance_types_offered(args.args.get("filters") or []),
                    "id": args.args.get("region") or self.region}
        if function == "aws:ssm/getParameter:getParameter":
            # A public parameter such as an EKS AMI id (/aws/service/eks/optimized-ami/...): a stable
            # stand-in value per name; the real parameter store decides at deploy time.
            name = args.args.get("name") or ""
            value = f"ami-{_short_hash(name)}" if "/optimized-ami/" in name else f"preview-{_short_hash(name)}"
            return {"name": name, "value": value, "insecureValue": value, "type": "String", "arn": name,
                    "version": 1, "id": name}
        if function == "aws:ec2/getAmi:getAmi":
            return self._ami(args.args)
        return {}

    def _ami(self, query: dict) -> dict:
        """DescribeImages for one image id (what components/node_groups.py asks): the offline
        stand-in assumes the EKS AMI boots `uefi-preferred`, unless the id is in `legacy_bios_amis`;
        the real lookup at deploy time decides."""
        image = next((v for f in query.get("filters") or [] if f.get("name") == "image-id"
                      for v in f.get("values") or []), "")
        boot_mode = "legacy-bios" if image in self.legacy_bios_amis else "uefi-preferred"
        return {"id": image, "imageId": image, "arn": f"arn:{MOCK_PARTITION}:ec2:{self.region}::image/{image}",
                "bootMode": boot_mode, "architecture": "x86_64", "name": f"amazon-eks-node-al2023-{image}",
                "ownerId": "602401143452", "imageOwnerAlias": "amazon", "state": "available",
                "virtualizationType": "hvm", "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs"}

    def _iam_principals(self, kind: str, query: dict) -> dict:
        """ListRoles/ListUsers on a path, filtered by an exact-name regex `^name$` (what
        components/principal_checks.py asks): the principal exists unless listed as absent."""
        path = query.get("pathPrefix") or "/"
        exact = re.fullmatch(r"\^(.+)\$", query.get("nameRegex") or "")
        names = [re.sub(r"\\(.)", r"\1", exact.group(1))] if exact else []
        arns = [f"arn:{MOCK_PARTITION}:iam::{self.account_id}:{kind}{path}{name}" for name in names]
        present = [(a, n) for a, n in zip(arns, names) if a not in self.absent_principals]
        return {"arns": [a for a, _ in present], "names": [n for _, n in present], "id": self.region,
                "pathPrefix": path, "nameRegex": query.get("nameRegex")}


def _instance_types_offered(filters: list[dict]) -> list[str]:
    """EC2's answer from catalog/instance_types.yaml: the offline stand-in assumes the region offers
    every catalogued capability (the real lookup at deploy time is what decides)."""
    offered = list(instance_catalog())
    for item in filters:
        values = list(item.get("values") or [])
        if item.get("name") == "instance-type":
            offered = [t for t in offered if t in values]
        elif item.get("name") == "processor-info.supported-features" and SEV_SNP_FEATURE in values:
            offered = [t for t in offered if instance_catalog()[t].amd_sev_snp]
    return offered
