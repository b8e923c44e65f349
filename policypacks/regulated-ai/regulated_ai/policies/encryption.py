"""Encryption at rest of the data stores a workload can use (control RAZ-ENC-001): RDS and Aurora, EFS,
DynamoDB, SQS, SNS, OpenSearch and ElastiCache, each with the zone's customer-managed key, never the
service's AWS-managed or AWS-owned key.

Per type: the input that turns encryption on (with the API's default when unset) and the key inputs,
each required wherever its enclosing block is present. Defaults: RDS `StorageEncrypted` false (CreateDBInstance,
CreateDBCluster API reference); EFS `Encrypted` false (CreateFileSystem); ElastiCache
`AtRestEncryptionEnabled` false for Redis OSS replication groups (CreateReplicationGroup); OpenSearch
`EncryptionAtRestOptions.Enabled` false (CreateDomain). DynamoDB, SQS (SSE-SQS), SNS, serverless caches and
OpenSearch Serverless encrypt with an AWS-owned or AWS-managed key unless a key is named.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.keys import customer_managed_key, non_customer_keys
from regulated_ai.values import as_bool


@dataclass(frozen=True)
class AtRest:
    keys: tuple[str, ...]            # key inputs, each required where its enclosing block is present
    switch: str | None = None        # the input that turns encryption on, off when unset


OPENSEARCH_SERVERLESS_SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
DATA_STORES = {
    "aws:rds/instance:Instance": AtRest(("kmsKeyId",), "storageEncrypted"),
    "aws:rds/cluster:Cluster": AtRest(("kmsKeyId",), "storageEncrypted"),
    "aws:rds/snapshotCopy:SnapshotCopy": AtRest(("kmsKeyId",)),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": AtRest(("kmsKeyId",)),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": AtRest(("kmsKeyId",)),
    "aws:rds/exportTask:ExportTask": AtRest(("kmsKeyId",)),
    "aws:rds/integration:Integration": AtRest(("kmsKeyId",)),
    "aws:rds/clusterActivityStream:ClusterActivityStream": AtRest(("kmsKeyId",)),
    "aws:rds/customDbEngineVersion:CustomDbEngineVersion": AtRest(("kmsKeyId",)),
    "aws:efs/fileSystem:FileSystem": AtRest(("kmsKeyId",), "encrypted"),
    "aws:efs/replicationConfiguration:ReplicationConfiguration": AtRest(("destination.kmsKeyId",)),
    "aws:dynamodb/table:Table": AtRest(("serverSideEncryption.kmsKeyArn", "replicas.kmsKeyArn"),
                                       "serverSideEncryption.enabled"),
    "aws:dynamodb/tableReplica:TableReplica": AtRest(("kmsKeyArn",)),
    "aws:sqs/queue:Queue": AtRest(("kmsMasterKeyId",)),
    "aws:sns/topic:Topic": AtRest(("kmsMasterKeyId",)),
    "aws:opensearch/domain:Domain": AtRest(("encryptAtRest.kmsKeyId",), "encryptAtRest.enabled"),
    "aws:opensearch/application:Application": AtRest(("kmsKeyArn",)),
    "aws:opensearch/serverlessCollection:ServerlessCollection": AtRest(("encryptionConfigs.kmsKeyArn",)),
    "aws:elasticache/replicationGroup:ReplicationGroup": AtRest(("kmsKeyId",), "atRestEncryptionEnabled"),
    "aws:elasticache/serverlessCache:ServerlessCache": AtRest(("kmsKeyId",)),
}
# Notes: a DynamoDB table without serverSideEncryption uses an AWS-owned key (its `enabled` switch judges that); a
# replica without kmsKeyArn uses its region's AWS managed key. A Serverless collection without encryptionConfigs
# takes the key of the encryption policy that matches it (ServerlessSecurityPolicy, judged here).


def _what(resource: ResourceView) -> str:
    return f"'{resource.name}' ({resource.type.rsplit(':', 1)[1]})"


def _key_problems(resource: ResourceView, path: str) -> Iterator[str]:
    for here, value in non_customer_keys(resource.props, path):
        yield (f"{_what(resource)} stores data under an AWS managed or owned key ({here} is "
               f"{value or 'unset'}): set it to the zone's data key.")


def _serverless_policy_problems(resource: ResourceView) -> Iterator[str]:
    """An OpenSearch Serverless encryption policy (CreateSecurityPolicy, type encryption): `AWSOwnedKey: true`
    or no `KmsARN` leaves the collections it matches under an AWS-owned key."""
    if resource.known("type", None) != "encryption":
        return
    document = resource.known("policy", None)
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        yield f"{_what(resource)}: its policy is not JSON, so the key of its collections cannot be judged."
        return
    if not isinstance(policy, dict):
        yield f"{_what(resource)}: its policy is not an encryption policy document."
        return
    if as_bool(policy.get("AWSOwnedKey"), "policy.AWSOwnedKey") is True or not customer_managed_key(policy.get("KmsARN")):
        yield (f"{_what(resource)} encrypts its collections with an AWS-owned key: set AWSOwnedKey false and KmsARN "
               "to the zone's data key.")


@resource_policy(
    "data-store-zone-key",
    description="RDS and Aurora, EFS, DynamoDB (and replicas), SQS, SNS, OpenSearch (and Serverless) and "
                "ElastiCache encrypt at rest with the zone's customer-managed key.",
    controls=["RAZ-ENC-001"], types=[*DATA_STORES, OPENSEARCH_SERVERLESS_SECURITY_POLICY])
def data_store_zone_key(resource: ResourceView) -> Iterator[str]:
    if resource.type == OPENSEARCH_SERVERLESS_SECURITY_POLICY:
        yield from _serverless_policy_problems(resource)
        return
    spec = DATA_STORES[resource.type]
    if spec.switch and resource.flag(spec.switch, False) is not True:
        yield (f"{_what(resource)} is not encrypted at rest with a customer-managed key ({spec.switch} is not true): "
               "turn it on with the zone's data key.")
        return
    for path in spec.keys:
        yield from _key_problems(resource, path)
