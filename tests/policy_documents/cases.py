"""Policy documents with the verdicts every judge of them must reach: the core module
(regzone_core.policy), the evidence checks, and the pack's preview policies. One table, so that
preview and evidence cannot disagree on the same document.

Questions:
- `open`: an Allow to AWS principals admits anyone: anonymous callers or callers of any
  account (conditions and the document's Denies count; a condition counts by its operator and
  value, not by naming a key);
- `network_bound`: such an open Allow works only from named VPC endpoints/VPCs/address ranges
  (not public in Amazon S3's sense, still open to any account);
- `foreign`: named accounts other than ACCOUNT that an Allow admits;
- `tls_only`: a Deny catches every S3 action on BUCKET and its objects when
  aws:SecureTransport is false, for every caller and whatever other keys hold;
- `deployer_both`: as `key_both`, when the judge knows the deployer (the pack's
  `deployer_role_arn`): its use of the key that is exactly what AWS performs as the caller
  (catalog/key_caller_permissions.yaml) is no duty;
- `key_both` / `key_mixed`: principals that both administer and use a KMS key (the account root
  and `*` included: a root that holds both duties leaves the separation to IAM, so the key policy
  separates nothing), and the statements that grant both (wildcards count for every action they
  grant).
None means the question is not asked of that document.
"""
from __future__ import annotations

from dataclasses import dataclass

ACCOUNT = "111122223333"
OTHER = "444455556666"
BUCKET = "arn:aws:s3:::zone-data"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/key-admin"
USER = f"arn:aws:iam::{ACCOUNT}:role/key-user"


@dataclass(frozen=True)
class Case:
    name: str
    document: dict
    open: bool | None = None
    network_bound: bool | None = None
    foreign: tuple[str, ...] | None = None
    tls_only: bool | None = None
    key_both: tuple[str, ...] | None = None
    key_mixed: tuple[str, ...] | None = None
    deployer_both: tuple[str, ...] | None = None


def _allow(principal="*", condition=None, *extra, action="kms:Decrypt", key="Principal"):
    statement = {"Sid": "Grant", "Effect": "Allow", key: principal, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement, *extra]}


GRANTS = [
    Case("principal * without condition", _allow("*"), open=True, foreign=()),
    Case('principal {"AWS": "*"}', _allow({"AWS": "*"}), open=True),
    Case('principal {"AWS": ["*"]}', _allow({"AWS": ["*"]}), open=True),
    Case("single statement object, principal *",
         {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}}, open=True),
    Case("StringLike aws:PrincipalOrgID * admits every organization",
         _allow("*", {"StringLike": {"aws:PrincipalOrgID": "*"}}), open=True),
    Case("StringLike aws:SourceAccount * admits services acting for anyone",
         _allow("*", {"StringLike": {"aws:SourceAccount": "*"}}), open=True),
    Case("StringLike aws:PrincipalAccount 1111* admits other accounts",
         _allow("*", {"StringLike": {"aws:PrincipalAccount": "1111*"}}), open=True),
    Case("aws:SourceAccount pinned to this account", _allow("*", {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
         open=False, foreign=()),
    Case("kms:CallerAccount pinned", _allow("*", {"StringEquals": {"kms:CallerAccount": ACCOUNT}}),
         open=False, foreign=()),
    Case("condition key spelled in capitals", _allow("*", {"StringEquals": {"AWS:PRINCIPALACCOUNT": ACCOUNT}}),
         open=False, foreign=()),
    Case("aws:PrincipalAccount pinned to two accounts",
         _allow("*", {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, OTHER]}}), open=False, foreign=(OTHER,)),
    Case("StringNotEquals aws:PrincipalAccount admits everyone else",
         _allow("*", {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}), open=True),
    Case("IfExists admits callers without the key (anonymous)",
         _allow("*", {"StringEqualsIfExists": {"aws:PrincipalAccount": ACCOUNT}}), open=True),
    Case("ForAllValues on a single-valued key is true when it is absent",
         _allow("*", {"ForAllValues:StringEquals": {"aws:PrincipalAccount": ACCOUNT}}), open=True),
    Case("ForAnyValue on a single-valued key needs the value",
         _allow("*", {"ForAnyValue:StringEquals": {"aws:PrincipalAccount": ACCOUNT}}), open=False, foreign=()),
    Case("aws:PrincipalOrgID pinned to one organization", _allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
         open=False, foreign=()),
    Case("aws:PrincipalAccount is the resource's own account (policy variable)",
         _allow("*", {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}), open=False, foreign=()),
    Case("ArnLike aws:PrincipalArn with any account", _allow("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}),
         open=True),
    Case("ArnLike aws:PrincipalArn in this account",
         _allow("*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}}), open=False, foreign=()),
    Case("only through one VPC endpoint", _allow("*", {"StringEquals": {"aws:SourceVpce": "vpce-0123"}}),
         open=True, network_bound=True),
    Case("Allow with NotPrincipal admits everyone not listed",
         _allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, key="NotPrincipal"), open=True),
    Case("the account root", _allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), open=False, foreign=()),
    Case("a role of another account", _allow({"AWS": f"arn:aws:iam::{OTHER}:role/x"}), open=False, foreign=(OTHER,)),
    Case("another account by id in a list", _allow({"AWS": [ADMIN, OTHER]}), open=False, foreign=(OTHER,)),
    Case("Allow * with a Deny of every other account",
         _allow("*", None, {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}}),
         open=False, foreign=()),
    Case("Allow * with a Deny that only covers some actions",
         _allow("*", None, {"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
                            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}}), open=True),
]


def _tls(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _deny(principal="*", action="s3:*", resource=(BUCKET, f"{BUCKET}/*"), condition=None):
    statement = {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": list(resource)}
    statement["Condition"] = condition if condition is not None else {"Bool": {"aws:SecureTransport": "false"}}
    if not statement["Condition"]:
        del statement["Condition"]
    return statement


TLS = [
    Case("AWS documentation's TLS-only Deny", _tls(_deny()), tls_only=True),
    Case('principal {"AWS": ["*"]}', _tls(_deny(principal={"AWS": ["*"]})), tls_only=True),
    Case("split into a bucket and an objects statement",
         _tls(_deny(resource=(BUCKET,)), _deny(resource=(f"{BUCKET}/*",))), tls_only=True),
    Case("single statement object", {"Statement": _deny()}, tls_only=True),
    Case("lower-case key, JSON false", _tls(_deny(condition={"Bool": {"aws:securetransport": False}})), tls_only=True),
    Case("BoolIfExists", _tls(_deny(condition={"BoolIfExists": {"aws:SecureTransport": "false"}})), tls_only=True),
    Case("bucket name wildcard", _tls(_deny(resource=(f"{BUCKET}*",))), tls_only=True),
    Case("every action on every resource", _tls(_deny(action="*", resource=("*",))), tls_only=True),
    Case("NotAction leaves S3 inside", _tls({**_deny(), "NotAction": "iam:*", "Action": None}), tls_only=True),
    Case("a Deny of all S3 without condition", _tls(_deny(condition={})), tls_only=True),
    Case("bucket only", _tls(_deny(resource=(BUCKET,))), tls_only=False),
    Case("objects only", _tls(_deny(resource=(f"{BUCKET}/*",))), tls_only=False),
    Case("reads only", _tls(_deny(action="s3:GetObject")), tls_only=False),
    Case("SecureTransport true", _tls(_deny(condition={"Bool": {"aws:SecureTransport": "true"}})), tls_only=False),
    Case("an extra condition narrows the Deny to one account",
         _tls(_deny(condition={"Bool": {"aws:SecureTransport": "false"},
                               "StringEquals": {"aws:PrincipalAccount": OTHER}})), tls_only=False),
    Case("an extra IfExists condition exempts one endpoint",
         _tls(_deny(condition={"Bool": {"aws:SecureTransport": "false"},
                               "StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-0123"}})), tls_only=False),
    Case("only TLS versions below 1.2", _tls(_deny(condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}})),
         tls_only=False),
    Case("one named principal", _tls(_deny(principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})), tls_only=False),
    Case("NotPrincipal exempts a role", _tls({**_deny(), "NotPrincipal": {"AWS": [ADMIN, ACCOUNT]}, "Principal": None}),
         tls_only=False),
    Case("an Allow is not a Deny", _tls({**_deny(), "Effect": "Allow"}), tls_only=False),
]
# A statement built with None for an element drops that element.
TLS = [Case(c.name, {**c.document, "Statement": [{k: v for k, v in s.items() if v is not None} for s in
                                                 (c.document["Statement"] if isinstance(c.document["Statement"], list)
                                                  else [c.document["Statement"]])]}, tls_only=c.tls_only) for c in TLS]


def _key(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _grant(sid, principal, actions, key="Action"):
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, key: actions, "Resource": "*"}


ADMIN_ACTIONS = ["kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
                 "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                 "kms:CancelKeyDeletion", "kms:CreateAlias"]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]

SEPARATION = [
    Case("separate administrator and user", _key(_grant("Admin", ADMIN, ADMIN_ACTIONS), _grant("Use", USER, USE_ACTIONS)),
         key_both=(), key_mixed=()),
    # The root delegates both duties to IAM: the key policy separates nothing.
    Case("the account root with kms:* (delegates both duties to IAM)",
         _key(_grant("Root", f"arn:aws:iam::{ACCOUNT}:root", "kms:*")), key_both=(f"arn:aws:iam::{ACCOUNT}:root",),
         key_mixed=("Root",)),
    Case("the account root as administrator and user in two statements",
         _key(_grant("Admin", f"arn:aws:iam::{ACCOUNT}:root", ADMIN_ACTIONS),
              _grant("Use", f"arn:aws:iam::{ACCOUNT}:root", USE_ACTIONS)),
         key_both=(f"arn:aws:iam::{ACCOUNT}:root",), key_mixed=()),
    Case("one role administers and uses in two statements",
         _key(_grant("Admin", ADMIN, ADMIN_ACTIONS), _grant("Use", ADMIN, USE_ACTIONS)), key_both=(ADMIN,), key_mixed=()),
    Case("kms:Create* hands out CreateGrant", _key(_grant("Admin", ADMIN, ["kms:Create*", "kms:Put*"])),
         key_both=(ADMIN,), key_mixed=("Admin",)),
    Case("NotAction grants the rest", _key(_grant("Most", USER, "kms:Decrypt", key="NotAction")),
         key_both=(USER,), key_mixed=("Most",)),
    Case("case of action names does not matter",
         _key(_grant("Admin", ADMIN, ["KMS:PUTKEYPOLICY"]), _grant("Use", ADMIN, ["kms:decrypt"])),
         key_both=(ADMIN,), key_mixed=()),
]



DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/regzone-deployer"
_MANAGES = _grant("DeployerManages", DEPLOYER, ["kms:PutKeyPolicy", "kms:DescribeKey", "kms:TagResource"])
_SECRET_CONTEXT = {"kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:regzone/z/*"}


def _through(actions, condition, sid="DeployerThrough"):
    return {**_grant(sid, DEPLOYER, actions), "Condition": condition}


def _via(service, account=ACCOUNT, operator="StringEquals"):
    return {operator: {"kms:ViaService": f"{service}.eu-west-1.amazonaws.com", "kms:CallerAccount": account}}


DEPLOYER_USE = [
    Case("the deployer uses a secrets key only as Secrets Manager does as the caller",
         _key(_MANAGES, _through(["kms:GenerateDataKey", "kms:Decrypt"],
                                 {**_via("secretsmanager"), "StringLike": _SECRET_CONTEXT})),
         key_both=(DEPLOYER,), deployer_both=()),
    Case("the deployer creates ECR grants for AWS resources only",
         _key(_MANAGES, _through(["kms:CreateGrant"],
                                 {**_via("ecr"), "Bool": {"kms:GrantIsForAWSResource": True}})),
         key_both=(DEPLOYER,), deployer_both=()),
    Case("the deployer's Secrets Manager use without the secret's encryption context",
         _key(_MANAGES, _through(["kms:GenerateDataKey", "kms:Decrypt"], _via("secretsmanager"))),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    Case("the deployer's use through a service IfExists (true without a service)",
         _key(_MANAGES, _through(["kms:Decrypt"],
                                 {**_via("secretsmanager", operator="StringEqualsIfExists"), "StringLike": _SECRET_CONTEXT})),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    Case("the deployer's ECR grants without kms:GrantIsForAWSResource",
         _key(_MANAGES, _through(["kms:CreateGrant"], _via("ecr"))),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    Case("the deployer's caller use for another account",
         _key(_MANAGES, _through(["kms:CreateGrant"],
                                 {**_via("ecr", OTHER), "Bool": {"kms:GrantIsForAWSResource": "true"}})),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    Case("the deployer's Decrypt through S3, which creates nothing the deployer names a secrets key for",
         _key(_MANAGES, _through(["kms:Decrypt"], _via("s3"))), key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    # The record-signing key (components/kms_policy.py): the deployer signs record digests itself.
    Case("the deployer signs for its own account (the record-signing key)",
         _key(_MANAGES, _through(["kms:Sign"], {"StringEquals": {"kms:CallerAccount": ACCOUNT,
                                                                 "kms:SigningAlgorithm": "ECDSA_SHA_256"}})),
         key_both=(DEPLOYER,), deployer_both=()),
    Case("the deployer signs with no kms:CallerAccount",
         _key(_MANAGES, _through(["kms:Sign"], {"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}})),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
    Case("the deployer signs and decrypts",
         _key(_MANAGES, _through(["kms:Sign", "kms:Decrypt"], {"StringEquals": {"kms:CallerAccount": ACCOUNT}})),
         key_both=(DEPLOYER,), deployer_both=(DEPLOYER,)),
]
CASES = GRANTS + TLS + SEPARATION + DEPLOYER_USE
