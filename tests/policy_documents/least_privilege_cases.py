"""IAM least-privilege documents with the verdicts the core module (regzone_core.policy.privilege and
.trust), the pack's iam policies and the evidence checks must all reach.

Questions:
- `wide`: an identity policy's Allow grants a whole service (or every service) on all its resources;
- `pass_role`: an identity policy lets its holder pass every role of an account;
- `trust`: a role trust policy admits principals it does not name (None: not asked).
"""
from __future__ import annotations

from dataclasses import dataclass

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/regzone/dev/workload"


@dataclass(frozen=True)
class Case:
    name: str
    document: dict
    wide: bool | None = None
    pass_role: bool | None = None
    trust: bool | None = None


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action="s3:GetObject", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


IDENTITY = [
    Case("Action * on Resource *", _doc(_allow("*")), wide=True, pass_role=True),
    Case("*:* on *", _doc(_allow("*:*")), wide=True, pass_role=True),
    Case("actions in a list with *", _doc(_allow(["s3:GetObject", "*"])), wide=True),
    Case("a service-wide wildcard on *", _doc(_allow("iam:*")), wide=True, pass_role=True),
    Case("a service-wide wildcard in capitals", _doc(_allow("S3:*")), wide=True, pass_role=False),
    Case("a service-wide wildcard on every resource of the service", _doc(_allow("s3:*", "arn:aws:s3:::*")), wide=True),
    Case("* on every resource of one service", _doc(_allow("*", "arn:aws:s3:::*")), wide=True),
    Case("a partition-wide ARN pattern", _doc(_allow("kms:*", "arn:aws:*:*:*:*")), wide=True),
    Case("NotAction on *", _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), wide=True),
    Case("NotResource with a service wildcard", _doc({"Effect": "Allow", "Action": "s3:*",
                                                      "NotResource": "arn:aws:s3:::audit/*"}), wide=True),
    Case("a condition does not narrow the actions",
         _doc(_allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})), wide=True),
    Case("a Deny of everything takes it back", _doc(_allow("*"), {"Effect": "Deny", "Action": "*", "Resource": "*"}),
         wide=False, pass_role=False),
    Case("a Deny of some actions does not", _doc(_allow("*"), {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
         wide=True),
    Case("a conditional Deny does not", _doc(_allow("*"), {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}), wide=True),
    Case("a service wildcard on one bucket", _doc(_allow("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"])), wide=False),
    Case("named actions on *", _doc(_allow(["ec2:DescribeInstances", "logs:DescribeLogGroups"])), wide=False,
         pass_role=False),
    Case("a prefix wildcard on *", _doc(_allow("s3:Get*")), wide=False),
    Case("PassRole on *", _doc(_allow("iam:PassRole")), wide=False, pass_role=True),
    Case("PassRole by wildcard", _doc(_allow("iam:Pass*", f"arn:aws:iam::{ACCOUNT}:role/*")), pass_role=True),
    Case("PassRole on every role of the account", _doc(_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*")),
         pass_role=True),
    Case("PassRole on every IAM resource of the account", _doc(_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:*")),
         pass_role=True),
    Case("PassRole limited to a service still passes any role",
         _doc(_allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})),
         pass_role=True),
    Case("PassRole through NotAction", _doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
         pass_role=True),
    Case("PassRole of a named role", _doc(_allow("iam:PassRole", ROLE)), pass_role=False),
    Case("PassRole of a role path", _doc(_allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/regzone/dev/*")),
         pass_role=False),
    Case("PassRole on * with a Deny of every other role", _doc(_allow("iam:PassRole"), {
        "Effect": "Deny", "Action": "iam:PassRole", "NotResource": ROLE}), pass_role=False),
]


def _trust(principal, condition=None, action="sts:AssumeRole"):
    statement = {"Sid": "Trust", "Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
TRUST = [
    Case("principal *", _trust("*"), trust=True),
    Case('principal {"AWS": "*"} with an account condition',
         _trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}), trust=True),
    Case("the account root", _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), trust=True),
    Case("an account id", _trust({"AWS": OTHER}), trust=True),
    Case("the account with a named principal",
         _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"ArnEquals": {"aws:PrincipalArn": ROLE}}), trust=False),
    Case("the account with a principal pattern",
         _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}}),
         trust=True),
    Case("the account with an external id only",
         _trust({"AWS": f"arn:aws:iam::{OTHER}:root"}, {"StringEquals": {"sts:ExternalId": "x"}}), trust=True),
    Case("IfExists on the principal ARN, which every IAM principal carries",
         _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"ArnEqualsIfExists": {"aws:PrincipalArn": ROLE}}), trust=False),
    Case("a negated principal ARN admits every other principal",
         _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}), trust=True),
    Case("a named role", _trust({"AWS": ROLE}), trust=False),
    Case("a named role of another account", _trust({"AWS": f"arn:aws:iam::{OTHER}:role/deployer"}), trust=False),
    Case("CloudTrail without source conditions", _trust({"Service": "cloudtrail.amazonaws.com"}), trust=True),
    Case("EKS without source conditions", _trust({"Service": "eks.amazonaws.com"}), trust=True),
    Case("EKS bound to the account", _trust({"Service": "eks.amazonaws.com"},
                                            {"StringEquals": {"aws:SourceAccount": ACCOUNT}}), trust=False),
    Case("flow logs with a source account of any value", _trust({"Service": "vpc-flow-logs.amazonaws.com"},
                                                                {"StringLike": {"aws:SourceAccount": "*"}}), trust=True),
    Case("EC2 instance roles (no source keys sent)", _trust({"Service": "ec2.amazonaws.com"}), trust=False),
    Case("OIDC without a subject", _trust({"Federated": GITHUB}, {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}, "sts:AssumeRoleWithWebIdentity"), trust=True),
    Case("OIDC with a subject that matches anything", _trust({"Federated": GITHUB}, {"StringLike": {
        "token.actions.githubusercontent.com:sub": "*"}}, "sts:AssumeRoleWithWebIdentity"), trust=True),
    Case("OIDC with a named repository", _trust({"Federated": GITHUB}, {"StringLike": {
        "token.actions.githubusercontent.com:sub": "repo:example/zone:ref:refs/heads/main"}},
        "sts:AssumeRoleWithWebIdentity"), trust=False),
]
