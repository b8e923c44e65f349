"""KMS: every key with its metadata; customer-managed keys also with rotation status, key policy and grants."""
from __future__ import annotations

import json

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource

_ROTATABLE_STATES = ("Enabled", "Disabled")


def _key(c: CollectContext, region: str, entry: dict) -> Resource:
    key_id = entry["KeyId"]
    resource = Resource(entry.get("KeyArn") or key_id, region)
    try:
        meta = c.aws.call("kms", region, "describe_key", KeyId=key_id)["KeyMetadata"]
    except ApiError as error:
        resource.data = {"metadata": error, "policy": error, "grants": error, "rotation": error, "tags": error}
        return resource
    resource.data["metadata"] = meta
    if meta.get("KeyManager") != "CUSTOMER":
        resource.data["tags"] = {}   # AWS-managed keys belong to no zone
    else:
        resource.data["policy"] = attempt(lambda: json.loads(
            c.aws.call("kms", region, "get_key_policy", KeyId=key_id, PolicyName="default")["Policy"]))
        resource.data["grants"] = attempt(lambda: c.aws.paginate("kms", region, "list_grants", "Grants", KeyId=key_id))
        if (meta.get("KeySpec") == "SYMMETRIC_DEFAULT" and meta.get("Origin") == "AWS_KMS"
                and meta.get("KeyState") in _ROTATABLE_STATES):
            resource.data["rotation"] = attempt(lambda: bool(
                c.aws.call("kms", region, "get_key_rotation_status", KeyId=key_id).get("KeyRotationEnabled")))
        if c.want_tags:
            resource.data["tags"] = attempt(lambda: tag_dict(
                c.aws.paginate("kms", region, "list_resource_tags", "Tags", KeyId=key_id), "TagKey", "TagValue"))
    return resource


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("kms", region)
    inventory.facts["aliases"] = attempt(lambda: {
        a["AliasName"]: a.get("TargetKeyId") for a in c.aws.paginate("kms", region, "list_aliases", "Aliases")})
    try:
        keys = c.aws.paginate("kms", region, "list_keys", "Keys")
    except ApiError as error:
        inventory.resources["key"] = error
        return inventory
    inventory.resources["key"] = c.each(lambda entry: _key(c, region, entry), keys)
    return inventory
