"""EBS encryption by default is on in every scanned Region, with a customer-managed default key."""
from regzone.evidence.model import ApiError, Result, Status


def _judge(inventory) -> tuple[Status, str]:
    if not inventory.fact("encryption_by_default"):
        return Status.FAIL, "EBS encryption by default is off: new volumes and snapshot copies may be unencrypted"
    key, manager = inventory.fact("default_key"), inventory.fact("default_key_manager")
    if manager != "CUSTOMER":
        return Status.FAIL, f"EBS encrypts by default with {key}, an AWS-managed key, not a customer-managed one"
    return Status.PASS, f"EBS encryption by default is on with the customer-managed key {key}"


def execute(ctx):
    for inventory in ctx.inventories("ebs"):
        resource = ctx.scope_id("ebs", inventory.region)
        try:
            status, message = _judge(inventory)
        except ApiError as error:
            status, message = Status.ERROR, str(error)
        yield Result(resource, inventory.region, status, message)
