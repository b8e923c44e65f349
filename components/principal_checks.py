"""Deploy-time checks of the IAM principals that the stack config names, and of who deploys.

KMS key policies and resource policies refuse a principal that does not exist when the policy
is set (AWS KMS API reference, PutKeyPolicy: "The principals in the key policy must exist and be
visible to AWS KMS"). The checks run as invokes, at preview and at `pulumi up`, and each returns
an Output that resolves to the checked ARN: a resource that names the principal through it waits
for the check, so nothing that names a missing principal is created. A failed check is an error
that names the config key and the fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DEPLOYER_KEY = "regzone:deployer_role_arn"
_IAM_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):(?P<kind>role|user)"
                      r"(?P<path>/(?:[^/]+/)*)(?P<name>[^/]+)$")


class PrincipalCheckError(pulumi.RunError):
    """A configured principal does not exist, or the deploying identity is not the deployer.
    A RunError, so that the CLI prints the message alone, without a stack trace."""


@dataclass(frozen=True)
class IamPrincipal:
    partition: str
    account: str
    kind: str  # "role" or "user"
    path: str  # "/" or "/some/path/"
    name: str

    @classmethod
    def parse(cls, arn: str) -> "IamPrincipal":
        match = _IAM_ARN.match(arn)
        if match is None:
            raise ValueError(f"{arn!r} is not an IAM role or user ARN")
        return cls(**match.groupdict())


def require_listed(arn: str, listed: list[str] | None, config_key: str, remedy: str | None = None) -> str:
    """`arn` if IAM lists it, else PrincipalCheckError naming `config_key` and the fix."""
    if arn in (listed or []):
        return arn
    kind = IamPrincipal.parse(arn).kind
    raise PrincipalCheckError(
        f"{config_key}: IAM {kind} {arn} does not exist in the account. KMS and resource policies refuse "
        "a principal that does not exist, so nothing that names it was created. "
        + (remedy or f"Create the {kind} first, or correct {config_key} in the stack file."))


def existing_principal(arn: pulumi.Input[str], config_key: str, *, remedy: str | None = None,
                       opts: pulumi.InvokeOutputOptions | None = None) -> pulumi.Output[str]:
    """`arn` once IAM lists it (iam:ListRoles or iam:ListUsers on its path, for its exact name)."""
    def check(value: str) -> pulumi.Output[str]:
        principal = IamPrincipal.parse(value)
        lookup = aws.iam.get_roles_output if principal.kind == "role" else aws.iam.get_users_output
        found = lookup(name_regex=f"^{re.escape(principal.name)}$", path_prefix=principal.path, opts=opts)
        return found.arns.apply(lambda listed: require_listed(value, listed, config_key, remedy))
    return pulumi.Output.from_input(arn).apply(check)


def require_deployer_session(deployer_role_arn: str, caller_arn: str, caller_account: str,
                             config_key: str = DEPLOYER_KEY) -> str:
    """The deployer role ARN when the caller is a session of it in its account, else PrincipalCheckError."""
    role = IamPrincipal.parse(deployer_role_arn)
    session = re.compile(rf"^arn:{re.escape(role.partition)}:sts::{role.account}:assumed-role/"
                         rf"{re.escape(role.name)}/[^/]+$")
    if caller_account != role.account:
        problem = f"deploys into account {caller_account}, but {config_key} is in account {role.account}"
    elif not session.match(caller_arn):
        problem = f"is {caller_arn}, not a session of {config_key} ({deployer_role_arn})"
    else:
        return deployer_role_arn
    raise PrincipalCheckError(
        f"the deploying identity {problem}. The key policies let only the configured deployer role "
        "manage the keys: created by another identity, KMS's lockout safety check refuses them, or they "
        "end up manageable only by a role that is not the one running `pulumi up`. Assume the deployer "
        f"role (for example an AWS profile with role_arn = {deployer_role_arn}) and run again, or correct "
        f"{config_key}.")


def verified_deployer(deployer_role_arn: str, identity: pulumi.Output[aws.GetCallerIdentityResult],
                      config_key: str = DEPLOYER_KEY) -> pulumi.Output[str]:
    """`deployer_role_arn` once the identity running the deployment is a session of it."""
    return identity.apply(lambda caller: require_deployer_session(deployer_role_arn, caller.arn, caller.account_id,
                                                                  config_key))
