"""ECR: repositories (mutability, scanning and encryption come with the list), their policies,
and the registry's scanning configuration (enhanced scanning overrides per-repository settings)."""
from __future__ import annotations

import json

from regzone.evidence.collectors import CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource


def _repository(c: CollectContext, region: str, repo: dict) -> Resource:
    data = dict(repo)
    data["policy"] = attempt(lambda: _policy(c.aws.call(
        "ecr", region, "get_repository_policy", repositoryName=repo["repositoryName"],
        absent={"RepositoryPolicyNotFoundException": {}})))
    if c.want_tags:
        data["tags"] = attempt(lambda: tag_dict(c.aws.call(
            "ecr", region, "list_tags_for_resource", resourceArn=repo["repositoryArn"]).get("tags")))
    return Resource(repo["repositoryArn"], region, data)


def _policy(response: dict):
    text = response.get("policyText")
    return json.loads(text) if text else None


def collect(c: CollectContext, region: str) -> Inventory:
    inventory = Inventory("ecr", region)
    inventory.facts["scanning"] = attempt(lambda: c.aws.call(
        "ecr", region, "get_registry_scanning_configuration").get("scanningConfiguration", {}))
    try:
        repos = c.aws.paginate("ecr", region, "describe_repositories", "repositories")
    except ApiError as error:
        inventory.resources["repository"] = error
        return inventory
    inventory.resources["repository"] = c.each(lambda repo: _repository(c, region, repo), repos)
    return inventory
