"""Policy documents in resource properties, read the way every policy of the pack reads them:
through regzone_core.policy, the semantics the evidence checks use too."""
from __future__ import annotations

from regulated_ai.framework import ResourceView, is_unknown, unverifiable
from regulated_ai.settings import Settings
from regzone_core.policy import Policy, PolicyError, parse_policy


class PolicyProblem(Exception):
    """A policy document that cannot be judged; the policy reports the message as a violation."""


def parsed_policy(resource: ResourceView, path: str = "policy") -> Policy | None:
    """The policy document at `path` (None when absent). Unverifiable when unknown at preview;
    PolicyProblem when it is not a policy AWS would accept (what cannot be evaluated never passes)."""
    document = resource.known(path)
    if document is None:
        return None
    try:
        return parse_policy(document)
    except PolicyError as error:
        raise PolicyProblem(f"'{resource.name}' {path} cannot be evaluated: {error}") from None


def zone_account(settings: Settings) -> str | None:
    """The zone's account: the deployer's (the stack config requires every principal there)."""
    return settings.deployer_role_arn.split(":")[4] if settings.deployer_role_arn else None


def region_of(resource: ResourceView) -> str | None:
    """The resource's region: its own `region` input (pulumi-aws 7), else its provider's, when known
    (None when neither sets one); an unknown one raises Unverifiable."""
    for props in (resource.props, resource.provider_props):  # the provider's only when the resource sets none
        region = props.get("region")
        if is_unknown(region):
            raise unverifiable(region)
        if isinstance(region, str) and region:
            return region
    return None


def partition_of(resource: ResourceView, settings: Settings | None = None) -> str:
    """The AWS partition of the resource's region (AWS General Reference, "AWS partitions"): the
    deployer's when configured, else from the provider's region, else the commercial one."""
    settings = settings or resource.settings
    if settings.deployer_role_arn:
        return settings.deployer_role_arn.split(":")[1]
    region = region_of(resource) or ""
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
