"""Type tokens policies match, including the deprecated V2 aliases pulumi-aws 7 still accepts."""
KMS_KEY = "aws:kms/key:Key"

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
