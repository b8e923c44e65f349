"""Principals a policy names that AWS must be able to resolve when the policy is set.

- Service principals are `<service>.amazonaws.com` (`.amazonaws.com.cn` in the China regions),
  some with a region (`logs.<region>.amazonaws.com`) or a sub-service label
  (`delivery.logs.amazonaws.com`, `eks-nodegroup.amazonaws.com`, `vpc-flow-logs.amazonaws.com`:
  one of the hyphenated words names the service) (AWS IAM User Guide, "AWS JSON
  policy elements: Principal", AWS service principals). A name that is no AWS service, such as a
  typo, is refused or never matches. The known names are data (`data/services.json`): the service
  prefixes of the Service Authorization Reference and the endpoint prefixes and signing names of
  the AWS SDK's service models, kept equal to parliament's and botocore's by a test.
- Service-linked roles live at `role/aws-service-role/<service>/<name>` (AWS IAM User Guide,
  "Using service-linked roles"); a key or resource policy that names one before the account has it
  is refused (AWS KMS API reference, PutKeyPolicy: principals must exist).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "services.json"
_SERVICE_PRINCIPAL = re.compile(r"^(?P<labels>[a-z0-9-]+(?:\.[a-z0-9-]+)*)\.amazonaws\.com(?:\.cn)?$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_SERVICE_LINKED_ROLE = re.compile(r"^arn:[^:]+:iam::\d{12}:role/aws-service-role/(?P<service>[^/]+)/(?P<name>[^/]+)$")


@lru_cache(maxsize=1)
def service_names() -> frozenset[str]:
    return frozenset(json.loads(_DATA.read_text(encoding="utf-8"))["names"])


def service_principal_problem(principal: str) -> str | None:
    """Why `principal` is not a well-formed AWS service principal, or None."""
    match = _SERVICE_PRINCIPAL.match(principal.lower())
    if match is None:
        return (f"{principal!r} is not an AWS service principal; valid: <service>.amazonaws.com, "
                "e.g. cloudtrail.amazonaws.com or logs.<region>.amazonaws.com")
    labels = match.group("labels").split(".")
    if len(labels) > 1 and _REGION.match(labels[-1]):
        labels = labels[:-1]
    service = labels[-1]
    # Some principals spell the service with words around it (vpc-flow-logs, eks-nodegroup).
    if service in service_names() or any(part in service_names() for part in service.split("-")):
        return None
    return (f"{principal!r} names {service!r}, which is no AWS service (not in the Service Authorization "
            "Reference nor the AWS SDK's service models); check its spelling")


def service_linked_role(arn: str) -> tuple[str, str] | None:
    """(service, role name) of a service-linked role ARN, else None."""
    match = _SERVICE_LINKED_ROLE.match(arn)
    return (match.group("service"), match.group("name")) if match else None
