"""Service collectors: each gathers one service's data once per region for every check to judge.

A collector makes one paginated list call, then a bounded number of calls per resource on the
shared per-resource thread pool. A list that fails leaves the `ApiError` in place of the resource
list; a per-resource call that fails leaves it in place of that value. Nothing is retried here
(botocore's standard/adaptive retry mode already did) and nothing is guessed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from regzone.evidence.aws import Aws
from regzone.evidence.model import ApiError, Inventory

GLOBAL = "global"
T = TypeVar("T")


@dataclass(frozen=True)
class CollectContext:
    aws: Aws
    account: str
    partition: str
    regions: tuple[str, ...]
    want_tags: bool          # only `--zone` needs the tags of services whose list omits them
    pool: Executor           # per-resource calls; collectors run on a separate pool, so no deadlock
    collected: Callable[[int], None] = lambda count: None   # progress: that many resources are done

    @property
    def home_region(self) -> str:
        return self.regions[0]

    def each(self, fn: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
        def counted(item: Any) -> T:
            result = fn(item)
            self.collected(1)
            return result
        return list(self.pool.map(counted, items))


def attempt(fn: Callable[[], T]) -> T | ApiError:
    """The value, or the ApiError that stands in for it."""
    try:
        return fn()
    except ApiError as error:
        return error


def tag_dict(tags: Iterable[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t.get(value, "") for t in tags or ()}


def collectors() -> dict[str, Callable[[CollectContext, str], Inventory]]:
    """Service name -> collector; "global" services (S3, the account) are collected once."""
    from regzone.evidence.collectors import (account, bedrock, cloudtrail, ec2, ecr, eks, iam, kms, logs,
                                             networkfirewall, organizations, route53resolver, s3, sagemaker)
    return {"s3": s3.collect_buckets, "s3_account": s3.collect_account, "kms": kms.collect,
            "ecr": ecr.collect, "vpc": ec2.collect_vpcs, "launch_templates": ec2.collect_launch_templates,
            "instances": ec2.collect_instances,
            "eks": eks.collect, "cloudtrail": cloudtrail.collect, "logs": logs.collect,
            "iam": iam.collect_principals, "iam_credentials": iam.collect_credentials,
            "dns": route53resolver.collect, "network_firewall": networkfirewall.collect,
            "sagemaker": sagemaker.collect, "bedrock": bedrock.collect,
            "ebs": account.collect_ebs, "accessanalyzer": account.collect_analyzers,
            "organizations": organizations.collect}


GLOBAL_SERVICES = frozenset({"s3", "s3_account", "iam", "iam_credentials", "organizations"})
# Only `--zone` reads these: the list calls of these services do not return tags.
ZONE_TAG_PERMISSIONS = ("kms:ListResourceTags", "ecr:ListTagsForResource", "cloudtrail:ListTags",
                        "logs:ListTagsForResource", "sagemaker:ListTags")
