"""S3: every bucket in the scanned regions with the settings the checks judge, and the account's
public access block. Bucket listing is global; per-bucket calls go to the bucket's own region."""
from __future__ import annotations

import json

from regzone.evidence.collectors import GLOBAL, CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource

# get_bucket_location's legacy answers.
_LOCATION_ALIASES = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def _policy(raw: dict | None):
    if raw is None:
        return None
    try:
        return json.loads(raw["Policy"])
    except (KeyError, ValueError) as error:
        raise ApiError("s3:GetBucketPolicy", "s3:GetBucketPolicy", f"unparseable policy: {error}") from error


def _bucket(c: CollectContext, name: str) -> Resource | str:
    """The bucket, or the region it lives in when that is not scanned."""
    arn = f"arn:{c.partition}:s3:::{name}"
    try:
        location = c.aws.call("s3", c.home_region, "get_bucket_location", Bucket=name).get("LocationConstraint")
    except ApiError as error:   # region unknown: keep it, every check reports ERROR rather than skip it
        keys = ("tags", "versioning", "encryption", "public_access_block", "policy", "ownership", "object_lock",
                "lifecycle")
        return Resource(arn, "unknown", {key: error for key in keys})
    region = _LOCATION_ALIASES.get(location, location)
    if region not in c.regions:
        return region

    def call(operation: str, absent: dict | None = None):
        return c.aws.call("s3", region, operation, Bucket=name, absent=absent)

    data = {
        "tags": attempt(lambda: tag_dict(call("get_bucket_tagging", {"NoSuchTagSet": {}}).get("TagSet"))),
        "versioning": attempt(lambda: call("get_bucket_versioning").get("Status", "Disabled")),
        "encryption": attempt(lambda: (call("get_bucket_encryption",
                                            {"ServerSideEncryptionConfigurationNotFoundError": {}})
                                       .get("ServerSideEncryptionConfiguration", {}).get("Rules", []))),
        "public_access_block": attempt(lambda: call("get_public_access_block",
                                                    {"NoSuchPublicAccessBlockConfiguration": {}})
                                       .get("PublicAccessBlockConfiguration")),
        "policy": attempt(lambda: _policy(call("get_bucket_policy", {"NoSuchBucketPolicy": None}))),
        "ownership": attempt(lambda: [rule.get("ObjectOwnership") for rule in
                                      call("get_bucket_ownership_controls", {"OwnershipControlsNotFoundError": {}})
                                      .get("OwnershipControls", {}).get("Rules", [])]),
        "object_lock": attempt(lambda: call("get_object_lock_configuration",
                                            {"ObjectLockConfigurationNotFoundError": {}})
                               .get("ObjectLockConfiguration")),
        "lifecycle": attempt(lambda: call("get_bucket_lifecycle_configuration",
                                          {"NoSuchLifecycleConfiguration": {}}).get("Rules", [])),
    }
    return Resource(arn, region, data)


def collect_buckets(c: CollectContext, region: str = GLOBAL) -> Inventory:
    inventory = Inventory("s3", GLOBAL)
    try:
        names = [b["Name"] for b in c.aws.paginate("s3", c.home_region, "list_buckets", "Buckets")]
    except ApiError as error:
        inventory.resources["bucket"] = error
        return inventory
    buckets = c.each(lambda n: _bucket(c, n), names)
    inventory.resources["bucket"] = [b for b in buckets if isinstance(b, Resource)]
    for name, found in zip(names, buckets):
        if isinstance(found, str):
            inventory.left_out("bucket", found, name)
    return inventory


def collect_account(c: CollectContext, region: str = GLOBAL) -> Inventory:
    inventory = Inventory("s3_account", GLOBAL)
    block = attempt(lambda: c.aws.call("s3control", c.home_region, "get_public_access_block", AccountId=c.account,
                                       absent={"NoSuchPublicAccessBlockConfiguration": {}})
                    .get("PublicAccessBlockConfiguration"))
    inventory.resources["account"] = [Resource(c.account, GLOBAL, {"public_access_block": block})]
    return inventory
