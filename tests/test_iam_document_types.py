"""Which pulumi-aws resource types carry identity or trust policy documents, derived from the
installed SDK as regzone/coverage/sdk.py reads it (every input whose name says it holds a policy and
whose type is a JSON string or a policy document, nested argument lists included), so that no type
escapes the RAZ-IAM policies.

Every such input is either judged as an identity or trust document (regulated_ai/types.py) or
listed below as another kind of document, with why it is not one. A pulumi-aws release that adds
a type fails here until someone decides which it is."""
from __future__ import annotations

import re

from regulated_ai.types import IDENTITY_POLICY_DOCUMENTS, TRUST_POLICY_DOCUMENTS
from regzone.coverage.sdk import sdk_index

# Wire names that say the input holds a policy: `policy`, `assumeRolePolicy`, `inlinePolicies`, `policyDocument` ...
_DOCUMENT_NAME = re.compile(r"[Pp]olic(y|ies)(Document|Text|Body)?$")

# Session policies can only narrow the role they apply to (the effective permissions are the
# intersection), so a wildcard there grants nothing.
SESSION = {"aws:eks/podIdentityAssociation:PodIdentityAssociation policy", "aws:rolesanywhere/profile:Profile sessionPolicy",
           "aws:transfer/access:Access policy", "aws:transfer/user:User policy"}
# Resource policies: who may act on one resource; judged by the resource's own controls where the
# zone has one (KMS, S3, ECR, VPC endpoints), by regzone_core.policy.grants everywhere.
RESOURCE = {
    "aws:acmpca/policy:Policy policy", "aws:amp/resourcePolicy:ResourcePolicy policyDocument",
    "aws:apigateway/domainName:DomainName policy", "aws:apigateway/restApi:RestApi policy",
    "aws:apigateway/restApiPolicy:RestApiPolicy policy", "aws:backup/vaultPolicy:VaultPolicy policy",
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy policy",
    "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy accessPolicy",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy policy",
    "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy deliveryDestinationPolicy",
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy accessPolicy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy policyDocument",
    "aws:codeartifact/domainPermissions:DomainPermissions policyDocument",
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy policyDocument",
    "aws:codebuild/resourcePolicy:ResourcePolicy policy", "aws:dsql/clusterPolicy:ClusterPolicy policy",
    "aws:dynamodb/resourcePolicy:ResourcePolicy policy", "aws:ec2/vpcEndpoint:VpcEndpoint policy",
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy policy", "aws:ecr/registryPolicy:RegistryPolicy policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate repositoryPolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy policy", "aws:ecrpublic/repositoryPolicy:RepositoryPolicy policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy policy", "aws:elasticsearch/domain:Domain accessPolicies",
    "aws:elasticsearch/domainPolicy:DomainPolicy accessPolicies", "aws:glacier/vault:Vault accessPolicy",
    "aws:glacier/vaultLock:VaultLock policy", "aws:glue/resourcePolicy:ResourcePolicy policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy policy", "aws:kms/externalKey:ExternalKey policy",
    "aws:kms/key:Key policy", "aws:kms/keyPolicy:KeyPolicy policy", "aws:kms/replicaExternalKey:ReplicaExternalKey policy",
    "aws:kms/replicaKey:ReplicaKey policy", "aws:lambda/resourcePolicy:ResourcePolicy policy",
    "aws:mediastore/containerPolicy:ContainerPolicy policy", "aws:msk/clusterPolicy:ClusterPolicy policy",
    "aws:networkfirewall/resourcePolicy:ResourcePolicy policy", "aws:oam/sinkPolicy:SinkPolicy policy",
    "aws:odb/network:Network kmsPolicyDocument", "aws:odb/network:Network s3PolicyDocument",
    "aws:odb/network:Network stsPolicyDocument", "aws:opensearch/domain:Domain accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy accessPolicies",
    "aws:opensearchingest/resourcePolicy:ResourcePolicy policy",
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy policy",
    "aws:redshift/resourcePolicy:ResourcePolicy policy", "aws:redshiftserverless/resourcePolicy:ResourcePolicy policy",
    "aws:s3/accessPoint:AccessPoint policy", "aws:s3/bucket:Bucket policy", "aws:s3/bucketPolicy:BucketPolicy policy",
    "aws:s3/bucketV2:BucketV2 policy", "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy policy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy policy",
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy policy",
    "aws:s3control/accessPointPolicy:AccessPointPolicy policy", "aws:s3control/bucketPolicy:BucketPolicy policy",
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy policy",
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy resourcePolicy", "aws:s3tables/tablePolicy:TablePolicy resourcePolicy",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy resourcePolicy",
    "aws:schemas/registryPolicy:RegistryPolicy policy", "aws:secretsmanager/secret:Secret policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy policy", "aws:ses/identityPolicy:IdentityPolicy policy",
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy policy", "aws:sns/topic:Topic policy",
    "aws:sns/topicPolicy:TopicPolicy policy", "aws:sqs/queue:Queue policy", "aws:sqs/queuePolicy:QueuePolicy policy",
    "aws:verifiedaccess/endpoint:Endpoint policyDocument", "aws:verifiedaccess/group:Group policyDocument",
    "aws:vpclattice/authPolicy:AuthPolicy policy", "aws:vpclattice/resourcePolicy:ResourcePolicy policy",
    "aws:xray/resourcePolicy:ResourcePolicy policyDocument",
}
# Documents in another language than IAM's (service rules, Cedar, IoT Core, lifecycle, TLS/SSL
# names, redrive and delivery settings): no identity gets permissions from them.
NOT_IAM = {
    "aws:alb/listener:Listener alpnPolicy", "aws:alb/listener:Listener sslPolicy",
    "aws:alb/loadBalancer:LoadBalancer dnsRecordClientRoutingPolicy", "aws:lb/listener:Listener alpnPolicy",
    "aws:lb/listener:Listener sslPolicy", "aws:lb/loadBalancer:LoadBalancer dnsRecordClientRoutingPolicy",
    "aws:apigateway/domainName:DomainName securityPolicy", "aws:apigateway/restApi:RestApi securityPolicy",
    "aws:bedrock/agentDataSource:AgentDataSource dataDeletionPolicy",
    "aws:cfg/organizationCustomPolicyRule:OrganizationCustomPolicyRule policyText",
    "aws:cloudformation/stack:Stack policyBody",
    "aws:cloudwatch/logAccountPolicy:LogAccountPolicy policyDocument",
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy policyDocument",
    "aws:cloudwatch/logIndexPolicy:LogIndexPolicy policyDocument", "aws:dlm/lifecyclePolicy:LifecyclePolicy defaultPolicy",
    "aws:ec2/fleet:Fleet excessCapacityTerminationPolicy", "aws:ec2/spotFleetRequest:SpotFleetRequest excessCapacityTerminationPolicy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate lifecyclePolicy",
    "aws:eks/capability:Capability deletePropagationPolicy", "aws:emr/instanceGroup:InstanceGroup autoscalingPolicy",
    "aws:fsx/lustreFileSystem:LustreFileSystem autoImportPolicy", "aws:fsx/ontapVolume:OntapVolume snapshotPolicy",
    "aws:gamelift/fleet:Fleet newGameSessionProtectionPolicy",
    "aws:gamelift/gameServerGroup:GameServerGroup gameServerProtectionPolicy",
    "aws:iot/policy:Policy policy", "aws:iot/policyAttachment:PolicyAttachment policy",
    "aws:kendra/index:Index userContextPolicy", "aws:mailmanager/ingressPoint:IngressPoint tlsPolicy",
    "aws:networkmanager/coreNetwork:CoreNetwork basePolicyDocument",
    "aws:networkmanager/coreNetworkPolicyAttachment:CoreNetworkPolicyAttachment policyDocument",
    "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy policy",
    "aws:opensearch/serverlessLifecyclePolicy:ServerlessLifecyclePolicy policy",
    "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy policy",
    "aws:ses/receiptFilter:ReceiptFilter policy", "aws:ses/receiptRule:ReceiptRule tlsPolicy",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy policy", "aws:sns/topic:Topic archivePolicy",
    "aws:sns/topic:Topic deliveryPolicy", "aws:sns/topicSubscription:TopicSubscription deliveryPolicy",
    "aws:sns/topicSubscription:TopicSubscription filterPolicy", "aws:sns/topicSubscription:TopicSubscription redrivePolicy",
    "aws:sns/topicSubscription:TopicSubscription replayPolicy", "aws:sqs/queue:Queue redriveAllowPolicy",
    "aws:sqs/queue:Queue redrivePolicy", "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy redriveAllowPolicy",
    "aws:sqs/redrivePolicy:RedrivePolicy redrivePolicy", "aws:storagegateway/nfsFileShare:NfsFileShare notificationPolicy",
    "aws:storagegateway/smbFileShare:SmbFileShare notificationPolicy", "aws:transfer/webApp:WebApp webAppEndpointPolicy",
    "aws:workspacesweb/browserSettings:BrowserSettings browserPolicy",
}


def _is_document(annotation: str | None) -> bool:
    """A JSON string or a policy document; not a list of names (`terminationPolicies`)."""
    return annotation is not None and ("_builtins.str" in annotation or "PolicyDocumentArgs" in annotation) \
        and "Sequence[pulumi.Input[_builtins.str]]" not in annotation


def sdk_documents() -> set[str]:
    """`type path` of every policy-document input of every pulumi-aws resource type: a top-level input, or a
    field (`[]`) of the elements of a policy-named input (a role's `inlinePolicies[].policy`)."""
    index = sdk_index()
    found = set()
    for token in index.types():
        if not token.startswith("aws:"):
            continue
        for name in index.paths(token, "*"):
            if not _DOCUMENT_NAME.search(name):
                continue
            if _is_document(index.annotation(token, name)):
                found.add(f"{token} {name}")
            found |= {f"{token} {name}[].{path.rsplit('.', 1)[1]}" for path in index.paths(token, f"{name}.*")
                      if _DOCUMENT_NAME.search(path.rsplit(".", 1)[1]) and _is_document(index.annotation(token, path))}
    return found


def judged() -> set[str]:
    return {f"{t} {p}" for table in (IDENTITY_POLICY_DOCUMENTS, TRUST_POLICY_DOCUMENTS) for t, paths in table.items()
            for p in paths}


def test_the_sdk_search_finds_the_documents_it_must():
    found = sdk_documents()
    assert {"aws:iam/role:Role assumeRolePolicy", "aws:iam/role:Role inlinePolicies[].policy",
            "aws:iam/policy:Policy policy", "aws:kms/key:Key policy"} <= found


def test_every_policy_document_of_the_sdk_is_judged_or_classified():
    found = sdk_documents()
    classified = judged() | SESSION | RESOURCE | NOT_IAM
    assert sorted(found - classified) == [], "new document inputs: judge them (types.py) or classify them here"
    assert sorted(classified - found) == [], "classified inputs the SDK no longer has"


def test_the_kinds_do_not_overlap():
    kinds = [judged(), SESSION, RESOURCE, NOT_IAM]
    assert all(not (a & b) for i, a in enumerate(kinds) for b in kinds[i + 1:])
