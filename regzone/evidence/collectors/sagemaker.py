"""SageMaker: every notebook instance with its description (network, root access, key) and, for `--zone`, tags."""
from __future__ import annotations

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource


def _notebook(c: CollectContext, region: str, entry: dict) -> Resource:
    arn = entry["NotebookInstanceArn"]
    resource = Resource(arn, region)
    resource.data["description"] = attempt(lambda: c.aws.call(
        "sagemaker", region, "describe_notebook_instance", NotebookInstanceName=entry["NotebookInstanceName"]))
    if c.want_tags:
        resource.data["tags"] = attempt(lambda: tag_dict(c.aws.paginate("sagemaker", region, "list_tags", "Tags",
                                                                        ResourceArn=arn)))
    return resource


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("sagemaker", region)
    try:
        notebooks = c.aws.paginate("sagemaker", region, "list_notebook_instances", "NotebookInstances")
    except ApiError as error:
        inventory.resources["notebook_instance"] = error
        return inventory
    inventory.resources["notebook_instance"] = c.each(lambda n: _notebook(c, region, n), notebooks)
    return inventory
