"""Seeds a compliant zone with boto3 (decorator mode or a moto server), and breaks it one property at a time."""
from __future__ import annotations

import json

import boto3

from components.flow_logs import delivery_policy, delivery_trust_policy
from components.kms_policy import enclave_key_policy
from components.organization_guardrails import guardrails_document, region_deny_document
from regzone.attestation import IMAGE_KEY
from regzone.config.baseline import BASELINE_LABEL
from regzone.instance_types import TAG_CONFIDENTIAL
from regzone.tags import AUDIT_TRUE, TAG_AUDIT, TAG_DATA_CLASS, TAG_RETENTION_DAYS, TAG_TIER, TAG_ZONE, TIER_WORKLOAD
from regzone_core.policy.guardrails import load_guardrails

REGION = "us-east-1"
# Checks whose APIs moto does not implement (DNS Firewall rules and associations, Network Firewall
# policies and rule groups): their PASS and FAIL cases run with stubbed clients
# (tests/evidence/test_stubbed_checks.py); against moto they must be ERROR, never PASS.
STUBBED_CHECKS = frozenset({"vpc_dns_firewall_enforced", "network_firewall_egress_allow_list"})
# Account-setting checks whose API moto does not implement (moto.md), or that moto cannot show as they
# run (the SCPs above a member account: moto's caller is the organization's management account): PASS
# and FAIL with stubbed answers, ERROR against moto, in tests/evidence/test_account_checks.py.
ACCOUNT_CHECKS = frozenset({"ec2_ebs_default_encryption", "accessanalyzer_enabled", "organizations_scp_guardrails"})
RETENTION_DAYS = 365
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
PAB = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
DATA_RETENTION_DAYS = 730
ADMIN_ROLE, USER_ROLE = "arn:aws:iam::123456789012:role/key-admin", "arn:aws:iam::123456789012:role/workload"
ACCOUNT_TRAIL = load_guardrails().account_trail
BREAK_GLASS = "regzone-break-glass"


def seed_guardrails(session: boto3.Session, *, guardrails: str | None = None) -> dict[str, str]:
    """An organization whose root carries the baseline's SCPs for the scanned Region (moto's account
    is the management account; the checks read the policies above it all the same)."""
    organizations = session.client("organizations", region_name="us-east-1")
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    attached = {p["Name"]: p["Id"] for p in organizations.list_policies_for_target(
        TargetId=root, Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    if "regzone-guardrails" in attached:   # a second zone of the same account
        return {"root": root, **attached}
    ids = {"root": root}
    for name, content in (("regzone-region-deny", region_deny_document([REGION])),
                          ("regzone-guardrails", guardrails or guardrails_document(partition="aws",
                                                                                   break_glass_role=BREAK_GLASS))):
        policy = organizations.create_policy(Name=name, Description=name, Type="SERVICE_CONTROL_POLICY",
                                             Content=content)["Policy"]["PolicySummary"]["Id"]
        organizations.attach_policy(PolicyId=policy, TargetId=root)
        ids[name] = policy
    return ids


def key_policy(admins: str = ADMIN_ROLE, users: str = USER_ROLE) -> str:
    """Administrators manage and users use, as components.kms_policy builds it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": admins}, "Resource": "*",
         "Action": ["kms:Describe*", "kms:Put*", "kms:Enable*", "kms:Disable*", "kms:ScheduleKeyDeletion",
                    "kms:CancelKeyDeletion", "kms:Get*", "kms:List*"]},
        {"Sid": "KeyUse", "Effect": "Allow", "Principal": {"AWS": users}, "Resource": "*",
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant"]}]})


# The measurements the zone's stack file configures (what `regzone evidence --stack` passes).
ENCLAVE_IMAGE = "5e" * 48
ATTESTATION = {IMAGE_KEY: [ENCLAVE_IMAGE]}


def enclave_policy(zone: str = "good", attestation: dict | None = None) -> str:
    """The zone's enclave key policy, as components.kms_policy builds it."""
    return enclave_key_policy(zone_name=zone, account_id="123456789012", partition="aws", administrators=[ADMIN_ROLE],
                              deployer="arn:aws:iam::123456789012:role/deployer", producers=[USER_ROLE],
                              attestation=attestation or ATTESTATION)


def launch(session: boto3.Session, zone: str, mode: str, *, on: bool = True, boot: str | None = "uefi") -> str:
    """An instance of a `mode` node group, as DescribeInstances would report it. moto 5.2.5 models
    neither EnclaveOptions, CpuOptions.AmdSevSnp nor CurrentInstanceBootMode on instances
    (/work/shared/reference/moto.md): an after-call hook reports what run_instances asked for, as EC2
    does, so that the check is judged on a faithful answer."""
    ec2 = session.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m6a.2xlarge", TagSpecifications=[
        {"ResourceType": "instance", "Tags": tags(zone, **{TAG_CONFIDENTIAL: mode})}])["Instances"][0]["InstanceId"]
    options = {"EnclaveOptions": {"Enabled": on and mode == "nitro_enclaves"},
               "CpuOptions": {"CoreCount": 4, "ThreadsPerCore": 2,
                              **({"AmdSevSnp": "enabled"} if on and mode == "sev_snp" else {})}}
    if boot is not None:
        options["CurrentInstanceBootMode"] = boot
    launched = getattr(session, "launched_options", None)
    if launched is None:
        launched = session.launched_options = {}

        def report(parsed, **_):
            for reservation in parsed.get("Reservations", []):
                for described in reservation.get("Instances", []):
                    described.update(launched.get(described["InstanceId"], {}))
        session.events.register("after-call.ec2.DescribeInstances", report, unique_id="moto-launched-options")
    launched[instance] = options
    return instance


def lifecycle(expire_days: int | None = DATA_RETENTION_DAYS) -> dict:
    rule = {"ID": "retention", "Status": "Enabled", "Filter": {"Prefix": ""},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}
    if expire_days is not None:
        rule["Expiration"] = {"Days": expire_days}
    return {"Rules": [rule]}


def tags(zone: str, **extra: str) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in {TAG_ZONE: zone, **extra}.items()]


def tls_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def bucket(s3, name: str, zone: str, key_arn: str, *, audit: bool) -> None:
    """A compliant bucket; audit buckets get COMPLIANCE Object Lock for RETENTION_DAYS."""
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=audit)
    if audit:
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": RETENTION_DAYS}}})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=PAB)
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=lifecycle())
    marks = {TAG_AUDIT: AUDIT_TRUE} if audit else {TAG_DATA_CLASS: "ephi", TAG_RETENTION_DAYS: str(DATA_RETENTION_DAYS)}
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(zone, **marks)})
    s3.put_bucket_policy(Bucket=name, Policy=tls_policy(name))   # last: moto then refuses object writes


def cluster(eks, name: str, zone: str, subnet_ids: list[str], key_arn: str, *, public: bool = False,
            encrypted: bool = True, log_types: list[str] = LOG_TYPES) -> None:
    vpc_config = {"subnetIds": subnet_ids, "endpointPublicAccess": public, "endpointPrivateAccess": True}
    if public:
        vpc_config["publicAccessCidrs"] = ["203.0.113.0/24"]
    eks.create_cluster(name=name, roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig=vpc_config,
                       encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key_arn}}] if encrypted else [],
                       logging={"clusterLogging": [{"types": log_types, "enabled": True}]}, tags={TAG_ZONE: zone})


def trail(session, name: str, zone: str, bucket_name: str, key_arn: str | None) -> str:
    cloudtrail = session.client("cloudtrail")
    params = {"KmsKeyId": key_arn} if key_arn else {}
    arn = cloudtrail.create_trail(Name=name, S3BucketName=bucket_name, IsMultiRegionTrail=True,
                                  EnableLogFileValidation=True, TagsList=tags(zone), **params)["TrailARN"]
    cloudtrail.start_logging(Name=arn)
    return arn


# What each collector needs seeded (the flow log and the trail deliver to the audit bucket).
_PARTS = {"s3": {"s3"}, "s3_account": {"s3"}, "kms": set(), "ecr": {"ecr"}, "vpc": {"vpc", "s3"},
          "eks": {"vpc", "s3", "eks"}, "launch_templates": {"launch_templates"},
          "cloudtrail": {"s3", "cloudtrail"}, "logs": {"logs"}, "iam": {"iam"}, "iam_credentials": {"iam"},
          "dns": {"vpc", "s3", "dns"}, "network_firewall": {"vpc", "s3", "network_firewall"},
          "instances": {"instances"}, "sagemaker": {"vpc", "s3", "sagemaker"}, "bedrock": {"s3", "bedrock"},
          "ebs": {"ebs"}, "accessanalyzer": set(), "organizations": {"organizations"}}
# Instances only on request: moto does not report their confidential options, which `launch` makes an
# in-process hook stand in for; a moto server (the end-to-end test) would report none.
ALL = frozenset(_PARTS) - {"instances"}


# Checks that judge the zone's enclave key (alias/<zone>/enclave), which only they need seeded.
ENCLAVE_KEY_CHECKS = frozenset({"kms_enclave_key_attestation"})


def seed_zone(session: boto3.Session, zone: str = "good", cidr: str = "10.50.0.0/16",
              services: frozenset[str] | set[str] = ALL, *, enclave_key: bool = False) -> dict[str, str]:
    """The resources the given collectors read, compliant, tagged zone=<zone>; returns their ids.
    Seeding only what a check reads keeps the per-check tests fast (EKS alone takes over a second)."""
    parts = set().union(*(_PARTS[s] for s in services))
    kms = session.client("kms")
    ids: dict[str, str] = {}
    key = kms.create_key(Description=f"{zone} zone key", Policy=key_policy(),
                         Tags=[{"TagKey": TAG_ZONE, "TagValue": zone}])["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    ids["key"] = key_arn = key["Arn"]
    # A grant to the zone's own workload role and one AWS makes for a service (RAZ-EGR-003 passes both).
    for grantee in (f"arn:aws:iam::123456789012:role/{zone}-workload", "logs.us-east-1.amazonaws.com"):
        kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Decrypt"])
    if enclave_key:
        enclave = kms.create_key(Description=f"{zone} enclave key", Policy=enclave_policy(zone),
                                 Tags=[{"TagKey": TAG_ZONE, "TagValue": zone}])["KeyMetadata"]
        kms.enable_key_rotation(KeyId=enclave["KeyId"])
        kms.create_alias(AliasName=f"alias/{zone}/enclave", TargetKeyId=enclave["KeyId"])
        ids["enclave_key"] = enclave["KeyId"]
    ids["audit_bucket"], ids["data_bucket"] = f"{zone}-audit", f"{zone}-data"
    if "s3" in parts:
        s3 = session.client("s3")
        bucket(s3, ids["audit_bucket"], zone, key_arn, audit=True)
        bucket(s3, ids["data_bucket"], zone, key_arn, audit=False)
        session.client("s3control").put_public_access_block(AccountId="123456789012",
                                                            PublicAccessBlockConfiguration=PAB)
    if "ecr" in parts:
        ecr = session.client("ecr")
        ids["repository"] = ecr.create_repository(
            repositoryName=f"{zone}/model", imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn}, tags=tags(zone))["repository"]["repositoryName"]
        ecr.set_repository_policy(repositoryName=ids["repository"], policyText=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "ZonePull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}))
    ec2 = session.client("ec2")
    if "vpc" in parts:
        _seed_network(ec2, zone, cidr, ids)
    if "eks" in parts:
        ids["cluster"] = f"{zone}-cluster"
        cluster(session.client("eks"), ids["cluster"], zone, [ids["subnet"]], key_arn)
    if "launch_templates" in parts:
        ids["launch_template"] = ec2.create_launch_template(
            LaunchTemplateName=f"{zone}-nodes", LaunchTemplateData={
                "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "KmsKeyId": key_arn, "VolumeSize": 50}}],
                "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}]},
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": tags(zone)}])["LaunchTemplate"]["LaunchTemplateId"]
    if "cloudtrail" in parts:
        ids["trail"] = trail(session, f"{zone}-trail", zone, ids["audit_bucket"], key_arn)
        # The account baseline's management trail (components/account_baseline.py), once per account.
        cloudtrail = session.client("cloudtrail")
        existing = {t["Name"]: t["TrailARN"] for t in cloudtrail.describe_trails()["trailList"]}
        ids["account_trail"] = existing.get(ACCOUNT_TRAIL) or trail(
            session, ACCOUNT_TRAIL, BASELINE_LABEL, ids["audit_bucket"], key_arn)
    if "ebs" in parts:
        session.client("ec2").enable_ebs_encryption_by_default()
    if "organizations" in parts:
        ids.update(seed_guardrails(session))
    if "iam" in parts:
        _seed_identities(session.client("iam"), zone, ids)
    if "dns" in parts:
        _seed_query_logging(session, zone, key_arn, ids)
    if "network_firewall" in parts:
        # moto keeps firewalls but not their policies or rule groups (tests/evidence/test_stubbed_checks.py).
        ids["firewall"] = session.client("network-firewall").create_firewall(
            FirewallName=f"{zone}-egress", VpcId=ids["vpc"], SubnetMappings=[{"SubnetId": ids["subnet"]}],
            FirewallPolicyArn=f"arn:aws:network-firewall:{REGION}:123456789012:firewall-policy/{zone}-egress",
            Tags=tags(zone))["Firewall"]["FirewallArn"]
    if "instances" in parts:
        ids["enclave_instance"] = launch(session, zone, "nitro_enclaves")
        ids["sev_snp_instance"] = launch(session, zone, "sev_snp")
    if "sagemaker" in parts:
        ids["notebook"] = f"{zone}-notebook"
        session.client("sagemaker").create_notebook_instance(
            NotebookInstanceName=ids["notebook"], InstanceType="ml.t3.medium", RoleArn=f"arn:aws:iam::123456789012:role/{zone}-nb",
            SubnetId=ids["subnet"], SecurityGroupIds=[ids["default_sg"]], KmsKeyId=key_arn,
            DirectInternetAccess="Disabled", RootAccess="Disabled", Tags=tags(zone))
    if "bedrock" in parts:
        session.client("bedrock").put_model_invocation_logging_configuration(loggingConfig={
            "s3Config": {"bucketName": ids["audit_bucket"], "keyPrefix": "bedrock/"}, "textDataDeliveryEnabled": True})
    if "logs" in parts:
        ids["log_group"] = f"/{zone}/audit"
        session.client("logs").create_log_group(logGroupName=ids["log_group"], kmsKeyId=key_arn, tags={TAG_ZONE: zone})
        session.client("logs").put_retention_policy(logGroupName=ids["log_group"], retentionInDays=400)
    return ids


def _seed_network(ec2, zone: str, cidr: str, ids: dict[str, str]) -> None:
    """A VPC with two workload subnets on a route table without internet route, a closed default
    security group, and a flow log of all traffic into the audit bucket."""
    ids["vpc"] = vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tags(zone)}])["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace(".0.0/16", f".{i}.0/24"), TagSpecifications=[
        {"ResourceType": "subnet", "Tags": tags(zone, **{TAG_TIER: TIER_WORKLOAD, TAG_DATA_CLASS: "ephi"})}])["Subnet"]["SubnetId"]
        for i in (1, 2)]
    ids["subnet"] = subnets[0]
    ids["route_table"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=ids["route_table"], SubnetId=subnet)
    ids["default_sg"] = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    ec2.revoke_security_group_egress(GroupId=ids["default_sg"], IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    # moto takes a prefix in an S3 LogDestination for part of the bucket name, so none is given.
    ids["flow_log"] = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                                           LogDestinationType="s3",
                                           LogDestination=f"arn:aws:s3:::{ids['audit_bucket']}")["FlowLogIds"][0]


def _seed_identities(iam, zone: str, ids: dict[str, str]) -> None:
    """A role as the zone writes them (flow-log delivery: trust bound to the account, permissions on its
    own log group, inline and managed), and a user without credentials."""
    group = f"arn:aws:logs:{REGION}:123456789012:log-group:/{zone}/flow-logs"
    ids["role"] = iam.create_role(RoleName=f"{zone}-flow-logs", AssumeRolePolicyDocument=delivery_trust_policy(
        "123456789012"), Tags=tags(zone))["Role"]["RoleName"]
    iam.put_role_policy(RoleName=ids["role"], PolicyName="delivery", PolicyDocument=delivery_policy(group))
    managed = iam.create_policy(PolicyName=f"{zone}-describe", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:DescribeLogStreams",
                                                "Resource": f"{group}:*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=ids["role"], PolicyArn=managed)
    ids["user"] = iam.create_user(UserName=f"{zone}-auditor", Tags=tags(zone))["User"]["UserName"]


def _seed_query_logging(session, zone: str, key_arn: str, ids: dict[str, str]) -> None:
    """Resolver query logging of the zone VPC into an encrypted, retained log group."""
    logs = session.client("logs")
    name = f"/{zone}/dns-queries"
    logs.create_log_group(logGroupName=name, kmsKeyId=key_arn, tags={TAG_ZONE: zone})
    logs.put_retention_policy(logGroupName=name, retentionInDays=400)
    arn = f"arn:aws:logs:{REGION}:123456789012:log-group:{name}"
    resolver = session.client("route53resolver")
    ids["query_log_config"] = resolver.create_resolver_query_log_config(
        Name=f"{zone}-dns-queries", DestinationArn=arn, CreatorRequestId=f"{zone}-dns")["ResolverQueryLogConfig"]["Id"]
    resolver.associate_resolver_query_log_config(ResolverQueryLogConfigId=ids["query_log_config"],
                                                 ResourceId=ids["vpc"])
