"""Type tokens policies match, deprecated aliases and sibling types included.

Which types can express each control's setting is derived from the SDKs by the coverage test
(regzone/coverage, the `covers` of catalog/controls.yaml); a type listed here is one a policy judges.
"""

# KMS: every type that creates a key, and the separate key policy.
KMS_KEY = "aws:kms/key:Key"
# Every resource that sets a key policy: keys (also replica and imported-material ones) and the
# separate KeyPolicy resource, which replaces the policy of the key it names.
KMS_EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"  # imported key material (origin EXTERNAL)
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
KMS_REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KMS_KEYS = (KMS_KEY, KMS_EXTERNAL_KEY, KMS_REPLICA_KEY, KMS_REPLICA_EXTERNAL_KEY)
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
KMS_ALIAS = "aws:kms/alias:Alias"
IAM_SERVICE_LINKED_ROLE = "aws:iam/serviceLinkedRole:ServiceLinkedRole"

# S3: each configuration resource and its deprecated V2 alias (pulumi-aws 7 still accepts both).
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"  # deprecated: plural list-shaped inline blocks
S3_BUCKETS = (S3_BUCKET, S3_BUCKET_V2)
S3_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
S3_METADATA_CONFIGURATION = "aws:s3/bucketMetadataConfiguration:BucketMetadataConfiguration"
S3_TABLE_BUCKET = "aws:s3tables/tableBucket:TableBucket"
S3_TABLE = "aws:s3tables/table:Table"
S3_VECTOR_BUCKET = "aws:s3/vectorsVectorBucket:VectorsVectorBucket"
S3_VECTOR_INDEX = "aws:s3/vectorsIndex:VectorsIndex"
S3_DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"
S3_OBJECT_LOCK = ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                  "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
S3_OBJECTS = ("aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2",
              "aws:s3/objectCopy:ObjectCopy")
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
S3_ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
S3_MULTI_REGION_ACCESS_POINT = "aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint"
S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
# Every other S3 resource policy: access points, Outposts buckets, vector buckets, S3 Files, Access Grants.
S3_OTHER_RESOURCE_POLICIES = (S3_ACCESS_POINT, "aws:s3control/accessPointPolicy:AccessPointPolicy",
                              "aws:s3control/bucketPolicy:BucketPolicy",
                              "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy",
                              "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy",
                              "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy",
                              "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy")

# Where S3 data is copied or listed to (regulated_ai/policies/egress.py).
S3_BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
S3_TABLE_REPLICATIONS = ("aws:s3tables/tableBucketReplication:TableBucketReplication",
                         "aws:s3tables/tableReplication:TableReplication")
S3_INVENTORY = "aws:s3/inventory:Inventory"
S3_ANALYTICS_CONFIGURATION = "aws:s3/analyticsConfiguration:AnalyticsConfiguration"

# CloudTrail and CloudWatch Logs.
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
CLOUDTRAIL_EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"  # CloudTrail Lake
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_ANOMALY_DETECTOR = "aws:cloudwatch/logAnomalyDetector:LogAnomalyDetector"

# Where CloudWatch Logs sends logs (regulated_ai/policies/egress.py).
LOG_SUBSCRIPTION_FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
LOG_DESTINATION = "aws:cloudwatch/logDestination:LogDestination"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
LOG_DELIVERY_DESTINATION = "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"
LOG_ACCOUNT_POLICY = "aws:cloudwatch/logAccountPolicy:LogAccountPolicy"  # account-wide subscription or protection

# Key grants and shared snapshots and images (regulated_ai/policies/egress.py).
KMS_GRANT = "aws:kms/grant:Grant"
SNAPSHOT_CREATE_VOLUME_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
AMI_LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
IMAGE_BLOCK_PUBLIC_ACCESS = "aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess"
EBS_SNAPSHOT_BLOCK_PUBLIC_ACCESS = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"
RDS_SNAPSHOT_COPIES = ("aws:rds/snapshotCopy:SnapshotCopy", "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy")
RDS_SNAPSHOTS = ("aws:rds/snapshot:Snapshot", "aws:rds/clusterSnapshot:ClusterSnapshot", *RDS_SNAPSHOT_COPIES)

# DataSync locations and tasks, Transfer Family connectors (regulated_ai/policies/data_transfer.py).
DATASYNC_TASK = "aws:datasync/task:Task"
DATASYNC_S3_LOCATION = "aws:datasync/s3Location:S3Location"
# Locations on storage outside AWS, reached through an agent or over the internet: never in a zone.
DATASYNC_EXTERNAL_LOCATIONS = ("aws:datasync/locationObjectStorage:LocationObjectStorage",
                               "aws:datasync/locationSmb:LocationSmb", "aws:datasync/nfsLocation:NfsLocation",
                               "aws:datasync/locationHdfs:LocationHdfs",
                               "aws:datasync/locationAzureBlob:LocationAzureBlob")
TRANSFER_CONNECTOR = "aws:transfer/connector:Connector"

# AWS RAM resource shares (regulated_ai/policies/resource_sharing.py).
RAM_RESOURCE_SHARE = "aws:ram/resourceShare:ResourceShare"
RAM_PRINCIPAL_ASSOCIATION = "aws:ram/principalAssociation:PrincipalAssociation"
RAM_RESOURCE_ASSOCIATION = "aws:ram/resourceAssociation:ResourceAssociation"
RAM_ASSOCIATIONS_EXCLUSIVE = "aws:ram/resourceShareAssociationsExclusive:ResourceShareAssociationsExclusive"

# S3 Multi-Region Access Points and their routes (regulated_ai/policies/egress.py).
S3_MULTI_REGION_ACCESS_POINT = "aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint"
S3_MULTI_REGION_ACCESS_POINT_ROUTES = "aws:s3control/multiRegionAccessPointRoutes:MultiRegionAccessPointRoutes"

# Front doors (regulated_ai/policies/front_doors.py).
REST_API = "aws:apigateway/restApi:RestApi"
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
REST_DOMAIN_NAME = "aws:apigateway/domainName:DomainName"
HTTP_API = "aws:apigatewayv2/api:Api"  # HTTP and WebSocket APIs
HTTP_DOMAIN_NAME = "aws:apigatewayv2/domainName:DomainName"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
CLOUDFRONT_DISTRIBUTIONS = ("aws:cloudfront/distribution:Distribution",
                            "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
                            "aws:cloudfront/distributionTenant:DistributionTenant")
GLOBAL_ACCELERATORS = ("aws:globalaccelerator/accelerator:Accelerator",
                       "aws:globalaccelerator/customRoutingAccelerator:CustomRoutingAccelerator")
APPSYNC_API = "aws:appsync/graphQLApi:GraphQLApi"
TRANSFER_SERVER = "aws:transfer/server:Server"

# Network (regulated_ai/policies/network.py, network_stack.py, regulated_ai/exposure.py).
VPC = "aws:ec2/vpc:Vpc"
SUBNETS = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"  # the VPC's main route table
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
INTERNET_GATEWAY_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EGRESS_ONLY_INTERNET_GATEWAY = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
CARRIER_GATEWAY = "aws:ec2/carrierGateway:CarrierGateway"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NETWORK_FIREWALL = "aws:networkfirewall/firewall:Firewall"
# A firewall's endpoints in another VPC (multi-VPC firewall): that VPC is firewalled too.
NETWORK_FIREWALL_VPC_ASSOCIATION = "aws:networkfirewall/vpcEndpointAssociation:VpcEndpointAssociation"
CARRIER_GATEWAY = "aws:ec2/carrierGateway:CarrierGateway"  # Wavelength zones' way to the carrier network
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUPS = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
NETWORK_FIREWALL_RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
NETWORK_FIREWALL_POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy"
NETWORK_FIREWALL_TLS_INSPECTION = "aws:networkfirewall/tlsInspectionConfiguration:TlsInspectionConfiguration"
VPC_DHCP_OPTIONS = "aws:ec2/vpcDhcpOptions:VpcDhcpOptions"
VPC_DHCP_OPTIONS_ASSOCIATION = "aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation"
# Route 53 Resolver DNS Firewall and query logging (regulated_ai/policies/dns.py); no aliases in pulumi-aws 7.
DNS_FIREWALL_DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
DNS_FIREWALL_RULE_GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"
DNS_FIREWALL_RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"
DNS_FIREWALL_ASSOCIATION = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
DNS_FIREWALL_CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig"
# A Route 53 Profile brings its own DNS Firewall rule groups to every VPC it is associated with.
ROUTE53_PROFILE_ASSOCIATION = "aws:route53/profilesAssociation:ProfilesAssociation"
RESOLVER_QUERY_LOG_CONFIG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"
RESOLVER_QUERY_LOG_ASSOCIATION = "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP_RULES = (SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE)
MANAGED_PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
MANAGED_PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
EC2_EIP = "aws:ec2/eip:Eip"
EC2_EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
LOAD_BALANCERS_V2 = ("aws:lb/loadBalancer:LoadBalancer", "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
                     "aws:alb/loadBalancer:LoadBalancer", "aws:applicationloadbalancing/loadBalancer:LoadBalancer")
CLASSIC_LOAD_BALANCERS = ("aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:elasticloadbalancingv2/listener:Listener",
             "aws:alb/listener:Listener", "aws:applicationloadbalancing/listener:Listener")

# EC2 instances and what launches them (regulated_ai/policies/compute.py).
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EC2_INSTANCE = "aws:ec2/instance:Instance"
SPOT_INSTANCE_REQUEST = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
SPOT_FLEET_REQUEST = "aws:ec2/spotFleetRequest:SpotFleetRequest"
INSTANCE_METADATA_DEFAULTS = "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults"  # account-wide
IMAGEBUILDER_INFRASTRUCTURE = "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration"
EBS_VOLUME = "aws:ebs/volume:Volume"
EBS_SNAPSHOTS = ("aws:ebs/snapshotCopy:SnapshotCopy", "aws:ebs/snapshotImport:SnapshotImport")

# ECR and EKS (regulated_ai/policies/ecr.py, eks.py).
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ECR_PUBLIC_REPOSITORY_POLICY = "aws:ecrpublic/repositoryPolicy:RepositoryPolicy"
ECR_REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ECR_REGISTRY_SCANNING_CONFIGURATION = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
ECR_PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ECR_REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
# Settings of the repositories ECR itself creates (replication, pull-through cache, create on push).
ECR_REPOSITORY_CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON = "aws:eks/addon:Addon"
EKS_POD_IDENTITY_ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
EKS_ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
EKS_ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
EKS_IDENTITY_PROVIDER_CONFIG = "aws:eks/identityProviderConfig:IdentityProviderConfig"


# Kubernetes (pulumi-kubernetes 4): every API version the SDK still has, each kind's `...Patch` type
# (a server-side apply patch of an existing object: judged on what it sets) and `...List` type (an
# `items` list of objects: each item judged as the kind).
def _kinds(versions: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(f"kubernetes:{api}:{kind}" for api, kinds in versions.items() for kind in kinds)


def patches(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{token}Patch" for token in tokens)


def lists(tokens: tuple[str, ...]) -> dict[str, str]:
    """List type -> the type of its items."""
    return {f"{token}List": token for token in tokens}


_TEMPLATE_SPEC = "spec.template.spec"
# Pod-template kinds -> where the pod spec lives in the object.
_POD_SPEC_OF = {"Pod": "spec", "PodTemplate": "template.spec", "CronJob": "spec.jobTemplate.spec.template.spec"}
K8S_POD_KINDS = _kinds({
    "core/v1": ("Pod", "PodTemplate", "ReplicationController"),
    "apps/v1": ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"),
    "apps/v1beta1": ("Deployment", "StatefulSet"),
    "apps/v1beta2": ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"),
    "extensions/v1beta1": ("Deployment", "DaemonSet", "ReplicaSet"),
    "batch/v1": ("Job", "CronJob"), "batch/v1beta1": ("CronJob",), "batch/v2alpha1": ("CronJob",)})
K8S_POD_TEMPLATE_PATHS = {token: _POD_SPEC_OF.get(token.rsplit(":", 1)[1], _TEMPLATE_SPEC)
                          for token in K8S_POD_KINDS}
K8S_POD_TEMPLATE_PATHS.update({f"{token}Patch": path for token, path in list(K8S_POD_TEMPLATE_PATHS.items())})
K8S_POD_LISTS = lists(K8S_POD_KINDS)
# The DaemonSet kinds (node agents, regulated_ai/policies/kubernetes.py): whole objects only, not their
# patches, whose unset fields keep the live object's values.
K8S_DAEMON_SETS = tuple(t for t in K8S_POD_KINDS if t.endswith(":DaemonSet"))
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_NAMESPACES = (K8S_NAMESPACE, f"{K8S_NAMESPACE}Patch")
K8S_SERVICE = "kubernetes:core/v1:Service"
K8S_SERVICES = (K8S_SERVICE, f"{K8S_SERVICE}Patch")
K8S_NETWORK_POLICIES = _kinds({"networking.k8s.io/v1": ("NetworkPolicy",), "extensions/v1beta1": ("NetworkPolicy",)})
K8S_CLUSTER_ROLE_BINDINGS = tuple(f"kubernetes:rbac.authorization.k8s.io/{v}:ClusterRoleBinding"
                                  for v in ("v1", "v1beta1", "v1alpha1"))
K8S_ROLE_BINDINGS = tuple(f"kubernetes:rbac.authorization.k8s.io/{v}:RoleBinding"
                          for v in ("v1", "v1beta1", "v1alpha1"))
K8S_BINDINGS = (*K8S_CLUSTER_ROLE_BINDINGS, *K8S_ROLE_BINDINGS)
K8S_INGRESSES = _kinds({"networking.k8s.io/v1": ("Ingress",), "networking.k8s.io/v1beta1": ("Ingress",),
                        "extensions/v1beta1": ("Ingress",)})
# The AWS Load Balancer Controller's IngressClassParams: a custom resource (no SDK type declares it).
ALB_INGRESS_CLASS_PARAMS = ("kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
                            "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParamsPatch")
K8S_CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
K8S_CONFIG_MAPS = (K8S_CONFIG_MAP, f"{K8S_CONFIG_MAP}Patch")
_ADMISSION_VERSIONS = ("v1", "v1beta1", "v1alpha1")
K8S_ADMISSION_POLICIES = tuple(f"kubernetes:admissionregistration.k8s.io/{v}:ValidatingAdmissionPolicy"
                               for v in _ADMISSION_VERSIONS)
K8S_ADMISSION_BINDINGS = tuple(f"{t}Binding" for t in K8S_ADMISSION_POLICIES)
# Every List type the policies open: List type -> item type.
K8S_LISTS = {**K8S_POD_LISTS, **lists((K8S_NAMESPACE, K8S_SERVICE)), **lists(K8S_NETWORK_POLICIES),
             **lists(K8S_BINDINGS), **lists(K8S_ADMISSION_POLICIES), **lists(K8S_ADMISSION_BINDINGS),
             **lists((K8S_CONFIG_MAP,)), **lists(K8S_INGRESSES)}

# TLS (pulumi-tls), Secrets Manager and SSM parameters.
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert"
# AWS Private CA and ACM (regulated_ai/policies/private_ca.py).
ACMPCA_CERTIFICATE_AUTHORITY = "aws:acmpca/certificateAuthority:CertificateAuthority"
ACMPCA_CERTIFICATE = "aws:acmpca/certificate:Certificate"
ACM_CERTIFICATE = "aws:acm/certificate:Certificate"
# Type tokens, not credentials (bandit B105 matches the word "secret" in the name).
SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"  # nosec B105
SSM_PARAMETER = "aws:ssm/parameter:Parameter"

# Account and organization baseline (regulated_ai/policies/organizations.py, account.py).
ORGANIZATIONS_POLICY = "aws:organizations/policy:Policy"
ORGANIZATIONS_POLICY_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
EBS_DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
ACCESS_ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"

# IAM (regulated_ai/policies/iam.py). Every resource type of pulumi-aws whose inputs hold an identity or
# trust policy document, by input path (`[]` for each element of a list); tests/test_iam_document_types.py
# derives them from the pinned SDK (read by regzone/coverage/sdk.py), so a type a new release adds fails until
# it is placed here or listed there as another kind of document.
IAM_ROLE = "aws:iam/role:Role"
IDENTITY_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
    IAM_ROLE: ("inlinePolicies[].policy",),
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": ("inlinePolicy",),
}
TRUST_POLICY_DOCUMENTS = {IAM_ROLE: ("assumeRolePolicy",)}
# Long-term credentials of IAM users: access keys, console passwords, service-specific credentials
# (CodeCommit, Amazon Keyspaces, Amazon Bedrock API keys), SSH public keys and signing certificates.
IAM_USER_CREDENTIALS = ("aws:iam/accessKey:AccessKey", "aws:iam/userLoginProfile:UserLoginProfile",
                        "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
                        "aws:iam/sshKey:SshKey", "aws:iam/signingCertificate:SigningCertificate")

# How Kubernetes manifests reach a cluster besides single objects (regulated_ai/policies/helm.py): a Helm
# Release is applied by the provider (Helm as a library), so its objects never reach the pack; charts,
# YAML files and kustomizations are components whose rendered objects are registered as their children.
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
K8S_MANIFEST_COMPONENTS = ("kubernetes:helm.sh/v2:Chart", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart",
                           "kubernetes:yaml:ConfigFile", "kubernetes:yaml:ConfigGroup", "kubernetes:yaml/v2:ConfigFile",
                           "kubernetes:yaml/v2:ConfigGroup", "kubernetes:kustomize:Directory",
                           "kubernetes:kustomize/v2:Directory")
