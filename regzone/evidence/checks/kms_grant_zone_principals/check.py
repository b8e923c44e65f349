"""Grants on customer-managed keys name grantee and retiring principals of this account only (RAZ-EGR-003)."""
import re

from regzone.evidence.checks import failed, not_judged, passed, per_resource
from regzone.evidence.model import absent_means

_ACCOUNT = re.compile(r"^(\d{12})$|^arn:[^:]+:(?:iam|sts)::(\d{12}):")
# Grants AWS services create for the zone's own resources (GrantIsForAWSResource) name the service.
_SERVICE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")


# ListGrants returns RetiringPrincipal only for grants created with one (AWS KMS API Reference,
# GrantListEntry); GrantId and GranteePrincipal are in every entry.
_NO_RETIREE = "created without a retiring principal"


def _account(principal: str) -> str | None:
    match = _ACCOUNT.match(principal)
    return (match.group(1) or match.group(2)) if match else None


def judge(key, ctx):
    if key.get("metadata").get("KeyManager") != "CUSTOMER":
        return None
    grants = key.get("grants")
    outside = [f"grant {grant['GrantId']} {role} {principal}" for grant in grants
               for role, principal in (("GranteePrincipal", grant["GranteePrincipal"]),
                                       ("RetiringPrincipal", absent_means(grant, "RetiringPrincipal", None, _NO_RETIREE)))
               if principal and not _SERVICE.match(principal) and _account(principal) != ctx.account]
    if outside:
        return failed(f"grants name principals outside account {ctx.account}: {'; '.join(outside)}")
    return passed(f"{len(grants)} grant(s), each to this account's principals or an AWS service acting for its "
                  "resources" if grants else "no grants")


def execute(ctx):
    return per_resource(ctx, "kms", "key", judge)
