"""Zone resources shared through AWS RAM (control RAZ-EGR-004): a resource share admits no principal outside
the zone's account, neither by association nor by allowing external principals, and zone resources are added
only to shares the stack creates, whose principals it therefore judges (regulated_ai/boundary.py).
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.boundary import account_problems, findings_per_source
from regulated_ai.framework import ResourceView, StackView, stack_policy
from regulated_ai.settings import Settings
from regulated_ai.types import (RAM_ASSOCIATIONS_EXCLUSIVE, RAM_PRINCIPAL_ASSOCIATION, RAM_RESOURCE_ASSOCIATION,
                                RAM_RESOURCE_SHARE)
from regulated_ai.values import is_unknown, unverifiable

SHARE_TYPES = (RAM_RESOURCE_SHARE, RAM_PRINCIPAL_ASSOCIATION, RAM_RESOURCE_ASSOCIATION, RAM_ASSOCIATIONS_EXCLUSIVE)


def _principal_problems(source: ResourceView, path: str, principal: object, settings: Settings) -> Iterator[str]:
    # AssociateResourceShare principals: an account ID, an organization ARN, an OU ARN, an IAM role or user
    # ARN, or a service principal (AWS RAM API Reference, AssociateResourceShare / CreateResourceShare).
    if is_unknown(principal):
        raise unverifiable(principal, path)
    if isinstance(principal, str) and (":organization/" in principal or ":ou/" in principal):
        # The ARN's account field is the management account's; the share reaches every member account.
        yield f"'{source.name}' ({source.type}) shares with every account of {principal} (`{path}`)"
        return
    yield from account_problems(source, path, principal, "shares zone resources with", settings)


def _share_problems(source: ResourceView, settings: Settings) -> Iterator[str]:
    label = f"'{source.name}' ({source.type})"
    if source.type == RAM_RESOURCE_SHARE:
        # The provider sends AllowExternalPrincipals=false when unset (terraform-provider-aws
        # internal/service/ram/resource_share.go: Default false; the API's own default is true).
        if source.flag("allowExternalPrincipals", False):
            yield (f"{label} sets allowExternalPrincipals, which lets accounts outside the organization be "
                   "associated with the share")
    elif source.type == RAM_PRINCIPAL_ASSOCIATION:
        yield from _principal_problems(source, "principal", source.get("principal"), settings)
    elif source.type == RAM_ASSOCIATIONS_EXCLUSIVE:
        principals = source.known("principals", None) or []
        for i, principal in enumerate(principals):
            yield from _principal_problems(source, f"principals.{i}", principal, settings)
        for i, account in enumerate(source.known("sources", None) or []):   # source accounts of service principals
            yield from account_problems(source, f"sources.{i}", account, "lets service principals act for",
                                         settings)
    else:   # a resource added to a share: judged through the share's own principals, so the share must be ours
        share = source.get("resourceShareArn")
        if is_unknown(share):
            if not any(r.type == RAM_RESOURCE_SHARE for r in source.property_dependencies.get("resourceShareArn", [])):
                raise unverifiable(share, "resourceShareArn")
        else:
            yield (f"{label} adds {source.reference('resourceArn')!r:.80} to share {share!r:.100}, which this stack "
                   "does not create, so whom it is shared with cannot be verified; share only through a share "
                   "the zone's stack creates")


@stack_policy(
    "ram-share-within-zone",
    description="AWS RAM resource shares do not allow external principals and are associated only with "
                "principals of the zone's account (no other account, organization or unit); resources are added "
                "only to shares the stack creates.",
    controls=["RAZ-EGR-004"], types=list(SHARE_TYPES))
def ram_share_within_zone(stack: StackView) -> Iterator[tuple[str, str]]:
    yield from findings_per_source(stack.of_type(*SHARE_TYPES), lambda s: _share_problems(s, stack.settings),
                                   "whom it shares with")
