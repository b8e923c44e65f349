"""IAM (global): roles, users and groups with their inline policies, attached managed policies and
trust policies, the managed policies' default versions (all from get_account_authorization_details),
and each user's long-term credentials.

User credentials are read per user (list_access_keys, get_login_profile, list_ssh_public_keys,
list_signing_certificates) and the root's from get_account_summary, not from the credential
report: IAM regenerates that report at most every four hours (IAM User Guide, "Getting credential
reports for your AWS account"), so a key created since would pass unseen.
"""
from __future__ import annotations

from regzone.evidence.collectors import GLOBAL, CollectContext, attempt, tag_dict
from regzone.evidence.model import ApiError, Inventory, Resource

_PRINCIPALS = (("role", "Role", "RoleDetailList"), ("user", "User", "UserDetailList"),
               ("group", "Group", "GroupDetailList"))


def _details(c: CollectContext, filters: list[str], key: str) -> list[dict]:
    return c.aws.paginate("iam", c.home_region, "get_account_authorization_details", key, Filter=filters)


def _default_document(policy: dict):
    for version in policy.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion"):
            return version.get("Document")
    raise ApiError("iam:GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails",
                   f"no default version of {policy.get('Arn')} returned")


def collect_principals(c: CollectContext, region: str = GLOBAL) -> Inventory:
    inventory = Inventory("iam", GLOBAL)
    inventory.facts["policies"] = attempt(lambda: {
        p["Arn"]: attempt(lambda p=p: _default_document(p))
        for p in _details(c, ["LocalManagedPolicy", "AWSManagedPolicy"], "Policies")})
    for kind, name, key in _PRINCIPALS:
        try:
            items = _details(c, [name], key)
        except ApiError as error:
            inventory.resources[kind] = error
            continue
        inventory.resources[kind] = [Resource(item["Arn"], GLOBAL, {**item, "tags": tag_dict(item.get("Tags"))})
                                     for item in items]
        c.collected(len(items))
    return inventory


def _user(c: CollectContext, user: dict) -> Resource:
    name = user["UserName"]

    def call(operation: str, key: str, **absent):
        return c.aws.paginate("iam", c.home_region, operation, key, UserName=name) if not absent else \
            c.aws.call("iam", c.home_region, operation, UserName=name, absent=absent).get(key)

    data = {
        "tags": tag_dict(user.get("Tags")),
        "access_keys": attempt(lambda: call("list_access_keys", "AccessKeyMetadata")),
        "login_profile": attempt(lambda: call("get_login_profile", "LoginProfile", NoSuchEntity={})),
        "ssh_keys": attempt(lambda: call("list_ssh_public_keys", "SSHPublicKeys")),
        "certificates": attempt(lambda: call("list_signing_certificates", "Certificates")),
    }
    return Resource(user["Arn"], GLOBAL, data)


def collect_credentials(c: CollectContext, region: str = GLOBAL) -> Inventory:
    inventory = Inventory("iam_credentials", GLOBAL)
    inventory.facts["account_summary"] = attempt(lambda: c.aws.call(
        "iam", c.home_region, "get_account_summary").get("SummaryMap", {}))
    try:
        users = _details(c, ["User"], "UserDetailList")
    except ApiError as error:
        inventory.resources["user"] = error
        return inventory
    inventory.resources["user"] = c.each(lambda user: _user(c, user), users)
    return inventory
