"""Account-wide settings per Region: EBS encryption by default and its default key (with the key's
manager), and the IAM Access Analyzer analyzers."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt
from regzone.evidence.model import ApiError, Inventory


def _default_key_manager(c: CollectContext, region: str, key_id: str) -> str:
    """CUSTOMER or AWS (kms:DescribeKey on the default key EBS uses)."""
    return c.aws.call("kms", region, "describe_key", KeyId=key_id)["KeyMetadata"].get("KeyManager", "")


def collect_ebs(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("ebs", region)
    inventory.facts["encryption_by_default"] = attempt(lambda: bool(c.aws.call(
        "ec2", region, "get_ebs_encryption_by_default").get("EbsEncryptionByDefault")))
    try:
        key_id = c.aws.call("ec2", region, "get_ebs_default_kms_key_id")["KmsKeyId"]
    except ApiError as error:
        inventory.facts["default_key"] = inventory.facts["default_key_manager"] = error
        return inventory
    inventory.facts["default_key"] = key_id
    inventory.facts["default_key_manager"] = attempt(lambda: _default_key_manager(c, region, key_id))
    return inventory


def collect_analyzers(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("accessanalyzer", region)
    inventory.facts["analyzers"] = attempt(lambda: c.aws.paginate("accessanalyzer", region, "list_analyzers",
                                                                  "analyzers"))
    return inventory
