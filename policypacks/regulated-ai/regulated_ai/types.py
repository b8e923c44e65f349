"""Type tokens policies match, including the deprecated V2 aliases pulumi-aws 7 still accepts."""
KMS_KEY = "aws:kms/key:Key"
# Every resource that sets a key policy: keys (also replica and imported-material ones) and the
# separate KeyPolicy resource, which replaces the policy of the key it names.
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
KMS_KEYS = (KMS_KEY, "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey",
            "aws:kms/replicaExternalKey:ReplicaExternalKey")
KMS_ALIAS = "aws:kms/alias:Alias"
IAM_SERVICE_LINKED_ROLE = "aws:iam/serviceLinkedRole:ServiceLinkedRole"

# S3: each configuration resource and its deprecated V2 alias (pulumi-aws 7 still accepts both).
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
S3_OBJECT_LOCK = ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                  "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Network (regulated_ai/policies/network.py, network_stack.py). pulumi-aws 7 aliases included.
VPC = "aws:ec2/vpc:Vpc"
SUBNETS = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
INTERNET_GATEWAY_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EGRESS_ONLY_INTERNET_GATEWAY = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NETWORK_FIREWALL = "aws:networkfirewall/firewall:Firewall"
NETWORK_FIREWALL_RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
NETWORK_FIREWALL_POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy"
VPC_DHCP_OPTIONS = "aws:ec2/vpcDhcpOptions:VpcDhcpOptions"
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
SECURITY_GROUPS = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOAD_BALANCERS_V2 = ("aws:lb/loadBalancer:LoadBalancer", "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
                     "aws:alb/loadBalancer:LoadBalancer", "aws:applicationloadbalancing/loadBalancer:LoadBalancer")
CLASSIC_LOAD_BALANCERS = ("aws:elb/loadBalancer:LoadBalancer", "aws:elasticloadbalancing/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:elasticloadbalancingv2/listener:Listener",
             "aws:alb/listener:Listener", "aws:applicationloadbalancing/listener:Listener")
EC2_INSTANCES = ("aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest")
ECR_REPOSITORY = "aws:ecr/repository:Repository"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON = "aws:eks/addon:Addon"
EKS_POD_IDENTITY_ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"

# Kubernetes (pulumi-kubernetes 4): current API versions and the deprecated ones the provider still accepts.
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_SERVICE = "kubernetes:core/v1:Service"
K8S_NETWORK_POLICIES = ("kubernetes:networking.k8s.io/v1:NetworkPolicy",
                        "kubernetes:extensions/v1beta1:NetworkPolicy")
K8S_POD = "kubernetes:core/v1:Pod"
# Pod-template kinds -> where the pod spec lives in the manifest.
K8S_POD_TEMPLATE_PATHS = {
    K8S_POD: "spec",
    **{f"kubernetes:{api}:{kind}": "spec.template.spec"
       for api in ("apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1")
       for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
       if not (kind == "StatefulSet" and api == "extensions/v1beta1")},
    "kubernetes:core/v1:ReplicationController": "spec.template.spec",
    "kubernetes:core/v1:PodTemplate": "template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    **{f"kubernetes:{api}:CronJob": "spec.jobTemplate.spec.template.spec"
       for api in ("batch/v1", "batch/v1beta1", "batch/v2alpha1")},
}
K8S_DAEMON_SETS = tuple(t for t in K8S_POD_TEMPLATE_PATHS if t.endswith(":DaemonSet"))
K8S_CLUSTER_ROLE_BINDINGS = tuple(f"kubernetes:rbac.authorization.k8s.io/{v}:ClusterRoleBinding"
                                  for v in ("v1", "v1beta1", "v1alpha1"))
K8S_ROLE_BINDINGS = tuple(f"kubernetes:rbac.authorization.k8s.io/{v}:RoleBinding"
                          for v in ("v1", "v1beta1", "v1alpha1"))

# TLS (pulumi-tls) and Secrets Manager.
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert"
# A type token, not a credential (bandit B105 matches the word "secret" in the name).
SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"  # nosec B105

# ECR, EKS and EC2 launch templates (regulated_ai/policies/ecr.py, eks.py, compute.py).
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ECR_REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
ECR_PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ECR_REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
# Settings of the repositories ECR itself creates (replication, pull-through cache, create on push).
ECR_REPOSITORY_CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
# pulumi-aws 7 has no deprecated aliases for these (checked against the SDK's alias lists).
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

# Account and organization baseline (regulated_ai/policies/organizations.py, account.py).
ORGANIZATIONS_POLICY = "aws:organizations/policy:Policy"
ORGANIZATIONS_POLICY_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
EBS_ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
EBS_DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
ACCESS_ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"

# IAM (regulated_ai/policies/iam.py). Every resource type of pulumi-aws whose inputs hold an identity or
# trust policy document, by input path (`[]` for each element of a list); tests/test_iam_document_types.py
# derives them from the installed SDK, so a type a new release adds fails until it is placed here or listed
# there as another kind of document.
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
