"""Data residency: AWS resources and providers stay in the regions their zone may use (RAZ-RES-001).

The region is the resource's own `region` input (pulumi-aws 7 allows one per resource), else its
provider's `region`. The allowed set is the zone registry's `regions` for the zone named by the
resource's `zone` tag, else the pack-wide `allowed_regions`. Nothing configured allows nothing.
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.policies.tagging import effective_tags, is_aws_resource
from regulated_ai.values import Unverifiable, is_unknown, unverifiable
from regzone.tags import TAG_ZONE

AWS_PROVIDER = "pulumi:providers:aws"


def _applies(type_token: str) -> bool:
    return type_token == AWS_PROVIDER or is_aws_resource(type_token)


def region_of(resource: ResourceView) -> str | None:
    region, where = resource.get("region"), "region"
    if region is None and resource.type != AWS_PROVIDER:
        region, where = resource.provider_props.get("region"), "provider.region"
    if is_unknown(region):
        raise unverifiable(region, where)
    return region if isinstance(region, str) and region else None


def _zone(resource: ResourceView) -> str | None:
    if resource.type == AWS_PROVIDER:  # a provider's own default tags name its zone
        resource = ResourceView(type=resource.type, name=resource.name, urn=resource.urn, props={},
                                provider_props=resource.props)
    try:
        zone = effective_tags(resource).get(TAG_ZONE)
    except ValueError:  # malformed tags (required-tags reports them): judge against the pack-wide regions
        return None
    if is_unknown(zone):
        raise unverifiable(zone, f"tags.{TAG_ZONE}")
    return zone if isinstance(zone, str) else None


@resource_policy(
    "resource-region-allowed",
    description="AWS resources and providers must use a region the zone's residency rules allow.",
    controls=["RAZ-RES-001"], types=_applies)
def resource_region_allowed(resource: ResourceView) -> Iterator[str]:
    region = region_of(resource)
    zone = _zone(resource)
    allowed = resource.settings.zone_regions(zone)
    scope = f"zone '{zone}'" if zone in resource.settings.zones else "the pack (allowed_regions)"
    if region is None:
        yield (f"'{resource.name}' ({resource.type}) has no region: neither the resource nor its provider "
               "sets one, so the deployment would follow the caller's environment. Set the provider's region.")
    elif not allowed:
        yield (f"'{resource.name}' ({resource.type}) is in {region}, but no region is allowed for {scope}: "
               "set allowed_regions or the zone's regions in the policy pack config (regzone pack-config).")
    elif region not in allowed:
        yield (f"'{resource.name}' ({resource.type}) is in {region}, outside the regions allowed for {scope}: "
               f"{', '.join(allowed)}.")
