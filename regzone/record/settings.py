"""The settings a record keeps for each resource type and drift compares with the account.

For each Pulumi type the evidence collector can read back, a `Judged` entry says which collected
resource it is (collector service and kind, and the identifier that finds it: the resource's id,
or for S3 configuration resources the bucket they configure) and which settings to compare. Each
setting reads the recorded inputs (pulumi-aws 7 input names, as the state holds them) and the
collected data (the AWS API's answer, regzone/evidence/collectors). Both sides go through one
normalisation (booleans from "true"/true, integral numbers as ints, policy documents as a digest
of their canonical JSON), so that a setting differs only when its value does.

Types not listed here are kept in the inventory (URN, id, inputs digest) but not compared live;
docs/deployment-record.md lists the compared types.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from regzone.evidence.model import Resource
from regzone.record.state import SECRET, StateResource

ABSENT = object()   # the input or field is not there: nothing is recorded or compared for it


def lookup(value: Any, path: str) -> Any:
    """The value at a dotted path with `[n]` list indexes ("rules[0].bucketKeyEnabled"), or ABSENT."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else ABSENT
        else:
            value = value.get(part, ABSENT) if isinstance(value, dict) else ABSENT
        if value is ABSENT or value is None:
            return ABSENT
    return value


def _canonical_policy(value: Any) -> Any:
    """Order and single-item lists do not change what a policy document says."""
    if isinstance(value, dict):
        return {k: _canonical_policy(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical_policy(v) for v in value]
        if all(not isinstance(i, (dict, list)) for i in items):
            items = sorted(set(map(str, items)))
            return items[0] if len(items) == 1 else items
        return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return value


def policy_digest(document: Any) -> Any:
    """sha256 of a policy document's canonical JSON (text or parsed), or ABSENT."""
    if document is ABSENT or document is None or document == SECRET:
        return ABSENT
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return "unparseable:" + hashlib.sha256(document.encode()).hexdigest()
    text = json.dumps(_canonical_policy(document), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def normalise(value: Any) -> Any:
    if value is ABSENT or value is None or value == SECRET:
        return ABSENT
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    recorded: Callable[[dict[str, Any]], Any]    # from the recorded inputs
    live: Callable[[Resource], Any]              # from the collected resource (Resource.get raises its ApiError)


def setting(name: str, input_path: str, live: Callable[[Resource], Any]) -> Setting:
    return Setting(name, lambda inputs: normalise(lookup(inputs, input_path)),
                   lambda resource: normalise(live(resource)))


def field_at(key: str, path: str) -> Callable[[Resource], Any]:
    """A reader of `path` inside the collected value `key` (Resource.get raises its ApiError)."""
    def read(resource: Resource) -> Any:
        return lookup(resource.get(key), path) if path else resource.get(key)
    return read


@dataclass(frozen=True)
class Judged:
    service: str                 # evidence collector (regzone/evidence/collectors)
    kind: str                    # resource kind in its inventory
    settings: tuple[Setting, ...]
    target_input: str | None = None   # the input naming the live resource; None: the resource's id

    def target(self, resource: StateResource) -> str | None:
        if self.target_input is None:
            return resource.id
        value = lookup(resource.inputs, self.target_input)
        return value if isinstance(value, str) and value != SECRET else None

    def recorded(self, resource: StateResource) -> dict[str, Any]:
        values = {s.name: s.recorded(resource.inputs) for s in self.settings}
        return {name: value for name, value in values.items() if value is not ABSENT}


def _latest_version(resource: Resource) -> dict[str, Any]:
    versions = resource.get("versions")
    latest = resource.get("LatestVersionNumber")
    return next((v.get("LaunchTemplateData", {}) for v in versions if v.get("VersionNumber") == latest), {})


def _enabled_log_types(resource: Resource) -> Any:
    logging = lookup(resource.get("cluster"), "logging.clusterLogging")
    if logging is ABSENT:
        return []
    return sorted({t for entry in logging if entry.get("enabled") for t in entry.get("types", [])})


def _bucket_setting(name: str, input_path: str, key: str, path: str = "") -> Setting:
    return setting(name, input_path, field_at(key, path))


_BUCKET_SETTINGS = {
    "aws:s3/bucketVersioning:BucketVersioning": (
        _bucket_setting("versioning", "versioningConfiguration.status", "versioning"),),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": (
        _bucket_setting("object_lock_mode", "rule.defaultRetention.mode", "object_lock", "Rule.DefaultRetention.Mode"),
        _bucket_setting("object_lock_days", "rule.defaultRetention.days", "object_lock", "Rule.DefaultRetention.Days"),
        _bucket_setting("object_lock_years", "rule.defaultRetention.years", "object_lock",
                        "Rule.DefaultRetention.Years")),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": tuple(
        _bucket_setting(name, name, "public_access_block", name[0].upper() + name[1:])
        for name in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _bucket_setting("sse_algorithm", "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "encryption",
                        "[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm"),
        _bucket_setting("kms_key", "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId", "encryption",
                        "[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID"),
        _bucket_setting("bucket_key", "rules[0].bucketKeyEnabled", "encryption", "[0].BucketKeyEnabled")),
    "aws:s3/bucketPolicy:BucketPolicy": (
        Setting("policy", lambda inputs: policy_digest(lookup(inputs, "policy")),
                lambda resource: policy_digest(resource.get("policy"))),),
}
# pulumi-aws 7 still accepts the deprecated V2 tokens of these resources (as the pack does).
_V2 = {"aws:s3/bucketVersioning:BucketVersioning": "aws:s3/bucketVersioningV2:BucketVersioningV2",
       "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration":
           "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
       "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
           "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"}

JUDGED: dict[str, Judged] = {
    "aws:kms/key:Key": Judged("kms", "key", (
        setting("key_usage", "keyUsage", field_at("metadata", "KeyUsage")),
        setting("key_spec", "customerMasterKeySpec", field_at("metadata", "KeySpec")),
        setting("enabled", "isEnabled", field_at("metadata", "Enabled")),
        # Collected only for keys that can rotate (symmetric, AWS_KMS origin, enabled or disabled).
        setting("rotation", "enableKeyRotation",
                lambda resource: resource.get("rotation") if "rotation" in resource.data else False),
        Setting("policy", lambda inputs: policy_digest(lookup(inputs, "policy")),
                lambda resource: policy_digest(resource.get("policy"))),
    )),
    **{token: Judged("s3", "bucket", (
        setting("object_lock_enabled", "objectLockEnabled",
                lambda resource: (resource.get("object_lock") or {}).get("ObjectLockEnabled") == "Enabled"),
    )) for token in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")},
    **{token: Judged("s3", "bucket", settings, target_input="bucket") for token, settings in _BUCKET_SETTINGS.items()},
    **{_V2[token]: Judged("s3", "bucket", _BUCKET_SETTINGS[token], target_input="bucket") for token in _V2},
    "aws:ecr/repository:Repository": Judged("ecr", "repository", (
        setting("tag_mutability", "imageTagMutability", field_at("imageTagMutability", "")),
        setting("scan_on_push", "imageScanningConfiguration.scanOnPush",
                field_at("imageScanningConfiguration", "scanOnPush")),
        setting("encryption", "encryptionConfigurations[0].encryptionType",
                field_at("encryptionConfiguration", "encryptionType")),
        setting("kms_key", "encryptionConfigurations[0].kmsKey", field_at("encryptionConfiguration", "kmsKey")),
    )),
    "aws:eks/cluster:Cluster": Judged("eks", "cluster", (
        setting("endpoint_public", "vpcConfig.endpointPublicAccess",
                field_at("cluster", "resourcesVpcConfig.endpointPublicAccess")),
        setting("endpoint_private", "vpcConfig.endpointPrivateAccess",
                field_at("cluster", "resourcesVpcConfig.endpointPrivateAccess")),
        setting("version", "version", field_at("cluster", "version")),
        Setting("log_types", lambda inputs: sorted(lookup(inputs, "enabledClusterLogTypes"))
                if isinstance(lookup(inputs, "enabledClusterLogTypes"), list) else ABSENT, _enabled_log_types),
    )),
    "aws:cloudtrail/trail:Trail": Judged("cloudtrail", "trail", (
        setting("multi_region", "isMultiRegionTrail", field_at("IsMultiRegionTrail", "")),
        setting("log_file_validation", "enableLogFileValidation", field_at("LogFileValidationEnabled", "")),
        setting("kms_key", "kmsKeyId", field_at("KmsKeyId", "")),
        setting("bucket", "s3BucketName", field_at("S3BucketName", "")),
        setting("logging", "enableLogging", field_at("status", "IsLogging")),
    )),
    "aws:cloudwatch/logGroup:LogGroup": Judged("logs", "log_group", (
        setting("retention_days", "retentionInDays", field_at("retentionInDays", "")),
        setting("kms_key", "kmsKeyId", field_at("kmsKeyId", "")),
    )),
    "aws:ec2/vpc:Vpc": Judged("vpc", "vpc", (setting("cidr", "cidrBlock", field_at("CidrBlock", "")),)),
    "aws:ec2/subnet:Subnet": Judged("vpc", "subnet", (
        setting("cidr", "cidrBlock", field_at("CidrBlock", "")),
        setting("public_ip_on_launch", "mapPublicIpOnLaunch", field_at("MapPublicIpOnLaunch", "")),
    )),
    "aws:ec2/launchTemplate:LaunchTemplate": Judged("launch_templates", "launch_template", (
        setting("http_tokens", "metadataOptions.httpTokens",
                lambda resource: lookup(_latest_version(resource), "MetadataOptions.HttpTokens")),
        setting("hop_limit", "metadataOptions.httpPutResponseHopLimit",
                lambda resource: lookup(_latest_version(resource), "MetadataOptions.HttpPutResponseHopLimit")),
    )),
}


def identifiers(kind: str, resource: Resource) -> set[str]:
    """Every name a collected resource of `kind` goes by: its ARN and the id Pulumi keeps for it."""
    names = {resource.id}
    get = resource.data.get
    if kind == "bucket":
        names.add(resource.id.rsplit(":", 1)[-1])
    for key in ("VpcId", "SubnetId", "LaunchTemplateId", "repositoryName", "Name", "TrailARN", "logGroupName"):
        if isinstance(get(key), str):
            names.add(get(key))
    metadata = get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("KeyId"), str):
        names.add(metadata["KeyId"])
    cluster = get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("name"), str):
        names.add(cluster["name"])
    return names
