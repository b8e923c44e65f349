"""Amazon Bedrock: the region's model invocation logging configuration (one per account and region,
GetModelInvocationLoggingConfiguration API reference; an empty answer means logging is off)."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt
from regzone.evidence.model import Inventory, Resource


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("bedrock", region)
    config = attempt(lambda: c.aws.call("bedrock", region, "get_model_invocation_logging_configuration")
                     .get("loggingConfig") or {})
    inventory.resources["invocation_logging"] = [
        Resource(f"arn:{c.partition}:bedrock:{region}:{c.account}:model-invocation-logging", region,
                 {"logging": config})]
    return inventory
