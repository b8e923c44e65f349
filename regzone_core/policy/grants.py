"""Who an Allow admits: for each Allow statement and principal it names, the callers that can
satisfy it (the statement's conditions included) and are not caught by a Deny of the document.

A condition restricts only by what its operator and value let through: `StringEquals
aws:PrincipalAccount 111122223333` admits one account, `StringLike aws:PrincipalOrgID "*"`,
`StringNotEquals aws:PrincipalAccount ...`, `...IfExists` (true for callers without the key,
anonymous ones among them) and `ForAllValues:` (true when the key is absent) admit anyone.

Callers are modelled by what their requests carry ("AWS global condition context keys"):

- anonymous callers carry no principal keys;
- IAM principals of an account carry aws:PrincipalAccount, kms:CallerAccount, aws:PrincipalArn,
  aws:userid and, when the account is in an organization, aws:PrincipalOrgID/OrgPaths;
- AWS services acting for an account carry aws:SourceAccount, aws:SourceArn, aws:SourceOwner and
  aws:SourceOrgID/OrgPaths (when the request has a source), but no aws:PrincipalAccount.

Each account, organization and user id the document names is tried, and one it does not name
stands for all others. The network keys (aws:SourceVpce, aws:SourceVpc, aws:SourceIp) are the
caller's own (an outsider's endpoint, VPC or address) when asking whether the grant is bound
to named networks, and anything otherwise. Every other key is the caller's choice. The
restricting keys are those Amazon S3 names in "Blocking public access to your Amazon S3
storage" (the meaning of "public"): fixed principals, aws:SourceArn, aws:SourceVpc,
aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:SourceIp, aws:userid, plus the
organization keys.

A policy variable that names the resource's own account or organization (`${aws:ResourceAccount}`,
`${aws:ResourceOrgID}`) is a fixed value; other variables are the caller's choice.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from regzone_core.policy.document import ALLOW, DENY, Condition, Policy, Principal, Statement, parse_policy
from regzone_core.policy.evaluation import account_of, is_account_principal
from regzone_core.policy.patterns import arn_includes, arn_intersects, arn_parts, has_wildcard, includes, intersects
from regzone_core.policy.symbolic import (ABSENT, FREE, ArnIn, Fresh, Lit, OrgPathIn, UnnamedArnIn, Values, can_hold,
                                          must_hold)

_ACCOUNT_KEYS = {"iam": ("aws:principalaccount", "kms:calleraccount"), "service": ("aws:sourceaccount", "aws:sourceowner")}
_ARN_KEYS = {"iam": ("aws:principalarn",), "service": ("aws:sourcearn",)}
_ORG_KEYS = {"iam": ("aws:principalorgid",), "service": ("aws:sourceorgid",)}
_ORG_PATH_KEYS = {"iam": ("aws:principalorgpaths",), "service": ("aws:sourceorgpaths",)}
_IDENTITY_KEYS = frozenset(k for table in (_ACCOUNT_KEYS, _ARN_KEYS, _ORG_KEYS, _ORG_PATH_KEYS)
                           for keys in table.values() for k in keys) | {"aws:userid"}
_NETWORK_KEYS = ("aws:sourcevpce", "aws:sourcevpc", "aws:sourceip")
_RESOURCE_FACT = re.compile(r"\$\{\s*aws:(resourceaccount|resourceorgid|resourceorgpaths)\s*\}", re.IGNORECASE)
_UNLISTED = None


@dataclass(frozen=True)
class Grant:
    """What one principal entry of one Allow statement admits."""
    statement: Statement
    principal: Principal               # as written; NotPrincipal is taken as everyone
    anonymous: bool                    # unauthenticated callers can use it
    any_account: bool                  # callers of accounts the document does not name can use it
    accounts: frozenset[str]           # named accounts whose callers can use it
    bounded_by: frozenset[str]         # organizations or user ids that alone keep it from any account
    network_bound: bool                # open, but only from named VPC endpoints, VPCs or address ranges
    unnamed: bool = False              # AWS principals the document does not name can use it: anyone (open), or
                                       # any principal of an admitted account that no aws:PrincipalArn/aws:userid
                                       # condition or principal ARN names (trust policies admit named principals)

    @property
    def open(self) -> bool:
        """Anyone can use it, whatever account or organization they are in."""
        return self.anonymous or self.any_account

    def foreign_accounts(self, account: str) -> list[str]:
        return sorted(a for a in self.accounts if a != account)


@dataclass(frozen=True)
class _Caller:
    kind: str                     # anonymous, iam, service
    account: str | None = None    # None: an unlisted account (or no source, for a service)
    org: str | None | object = ABSENT
    userid: str | None = None
    network: str = "free"         # free (any), or the caller's own: internet, endpoint
    service: str | None = None
    source: bool = True           # a service request made for a source resource/account
    unnamed: bool = False         # an IAM principal whose ARN the document does not name


def _resolve_facts(condition: Condition, resource_account: str | None) -> Condition:
    def fact(match: re.Match) -> str:
        name = match.group(1).lower()
        if name == "resourceaccount" and resource_account:
            return resource_account
        return f"(the resource's {name.removeprefix('resource')})" if name != "resourceaccount" else match.group(0)
    values = tuple(_RESOURCE_FACT.sub(fact, v) for v in condition.values)
    return replace(condition, values=values) if values != condition.values else condition


def _literals(statements: list[Statement], keys: Iterable[str], component=None) -> set[str]:
    keys = set(keys)
    found = set()
    for condition in (c for s in statements for c in s.conditions):
        if condition.key in keys:
            for value in condition.values:
                part = component(value) if component else value
                if part and not has_wildcard(part) and "${" not in part:
                    found.add(part)
    return found


def _arn_account(value: str) -> str | None:
    parts = arn_parts(value)
    return parts[4] if parts else None


def _candidates(statements: list[Statement], entry: Principal) -> dict[str, list]:
    """The accounts, organizations and user ids the statements name, and one for all others."""
    accounts = _literals(statements, {k for ks in _ACCOUNT_KEYS.values() for k in ks})
    accounts |= _literals(statements, {k for ks in _ARN_KEYS.values() for k in ks}, _arn_account)
    if entry.kind == "AWS" and not entry.is_everyone:
        accounts = {account_of(entry.value) or entry.value}
    orgs = _literals(statements, {k for ks in _ORG_KEYS.values() for k in ks})
    orgs |= _literals(statements, {k for ks in _ORG_PATH_KEYS.values() for k in ks}, lambda v: v.split("/", 1)[0])
    userids = _literals(statements, {"aws:userid"})
    fixed_account = entry.kind == "AWS" and not entry.is_everyone
    return {"accounts": sorted(accounts) + ([] if fixed_account else [_UNLISTED]),
            "orgs": sorted(orgs) + [_UNLISTED, ABSENT], "userids": sorted(userids) + [_UNLISTED]}


def _callers(entry: Principal, not_principal: bool, candidates: dict[str, list],
             networks: tuple[str, ...]) -> Iterable[_Caller]:
    everyone = entry.is_everyone or not_principal
    for network in networks:
        if everyone:
            yield _Caller("anonymous", network=network)
        if everyone or entry.kind in ("AWS", "Federated", "CanonicalUser"):
            for account, org, userid in itertools.product(candidates["accounts"], candidates["orgs"],
                                                          candidates["userids"]):
                yield _Caller("iam", account, org, userid, network)
        if everyone or entry.kind == "Service":
            service = None if everyone else entry.value
            for account, org in itertools.product(candidates["accounts"], candidates["orgs"]):
                yield _Caller("service", account, org, None, network, service)
            yield _Caller("service", None, ABSENT, None, network, service, source=False)


def _values(caller: _Caller, key: str) -> list[Values]:
    """What `key` can hold in a request of `caller`."""
    side = caller.kind
    if key in _NETWORK_KEYS:
        if caller.network == "free":
            return [FREE]
        if caller.network != ("internet" if key == "aws:sourceip" else "endpoint"):
            return [ABSENT]
        return [Fresh("ip" if key == "aws:sourceip" else "network")]
    if key == "aws:principaltype":
        return [Lit(("Anonymous",))] if side == "anonymous" else (
            [Lit((t,)) for t in ("User", "AssumedRole", "FederatedUser", "Account")] if side == "iam" else [FREE])
    if key == "aws:principalisawsservice":
        return [Lit(("true" if side == "service" else "false",))]
    if key in ("aws:principalservicename", "aws:principalservicenameslist"):
        return [ABSENT] if side != "service" else ([Lit((caller.service,))] if caller.service else [FREE])
    if key not in _IDENTITY_KEYS:
        return [FREE]
    if key == "aws:userid":
        if side == "anonymous":
            return [Lit(("anonymous",))]
        if side == "iam":
            return [Lit((caller.userid,))] if caller.userid else [Fresh("userid")]
        return [FREE]
    if side == "anonymous" or key not in {k for table in (_ACCOUNT_KEYS, _ARN_KEYS, _ORG_KEYS, _ORG_PATH_KEYS)
                                          for k in table[side]}:
        return [ABSENT]
    if not caller.source:
        return [ABSENT]
    if key in _ACCOUNT_KEYS[side]:
        return [Lit((caller.account,))] if caller.account else [Fresh("account")]
    if key in _ARN_KEYS[side]:
        return [UnnamedArnIn(caller.account)] if caller.unnamed else [ArnIn(caller.account)]
    if caller.org is ABSENT:
        return [ABSENT]
    if key in _ORG_KEYS[side]:
        return [Lit((caller.org,))] if caller.org else [Fresh("org")]
    return [OrgPathIn(caller.org)]


def _conditions_allow(conditions: tuple[Condition, ...], caller: _Caller, check) -> bool:
    by_key: dict[str, list[Condition]] = {}
    for condition in conditions:
        by_key.setdefault(condition.key, []).append(condition)
    return all(any(all(check(c, values) for c in group) for values in _values(caller, key))
               for key, group in by_key.items())


def _deny_catches_caller(deny: Statement, caller: _Caller) -> bool:
    if deny.principals is None:
        return True
    def names(entry: Principal) -> bool:
        if entry.is_everyone:
            return True
        if caller.kind == "iam" and entry.kind == "AWS":
            return is_account_principal(entry.value) and caller.account is not None \
                and account_of(entry.value) == caller.account
        return caller.kind == "service" and entry.kind == "Service" and entry.value == caller.service
    def may_name(entry: Principal) -> bool:
        if entry.is_everyone:
            return True
        if caller.kind == "iam" and entry.kind in ("AWS", "Federated", "CanonicalUser"):
            return caller.account is None or account_of(entry.value) in (None, caller.account)
        return caller.kind == "service" and entry.kind == "Service" and caller.service in (None, entry.value)
    if deny.not_principal:
        return not any(may_name(e) for e in deny.principals)
    return any(names(e) for e in deny.principals)


def _deny_covers_statement(deny: Statement, allow: Statement) -> bool:
    allowed_actions = ("*",) if allow.not_action else allow.actions
    if deny.not_action:
        actions = all(not any(intersects(d, a, ignore_case=True) for d in deny.actions) for a in allowed_actions)
    else:
        actions = all(any(includes(d, a, ignore_case=True) for d in deny.actions) for a in allowed_actions)
    allowed_resources = ("*",) if allow.resources is None or allow.not_resource else allow.resources
    if deny.resources is None:
        resources = True
    elif deny.not_resource:
        resources = all(not any(arn_intersects(d, r) for d in deny.resources) for r in allowed_resources)
    else:
        resources = all(any(arn_includes(d, r) for d in deny.resources) for r in allowed_resources)
    return actions and resources


def _usable(allow: Statement, denies: list[Statement], caller: _Caller) -> bool:
    if not _conditions_allow(allow.conditions, caller, can_hold):
        return False
    return not any(_deny_catches_caller(d, caller) and _deny_covers_statement(d, allow)
                   and _conditions_allow(d.conditions, caller, must_hold) for d in denies)


def _grant(allow: Statement, entry: Principal, denies: list[Statement]) -> Grant:
    candidates = _candidates([allow, *denies], entry)
    free = [c for c in _callers(entry, allow.not_principal, candidates, ("free",)) if _usable(allow, denies, c)]
    attacker = [c for c in _callers(entry, allow.not_principal, candidates, ("internet", "endpoint"))
                if _usable(allow, denies, c)]

    def unbounded(callers: list[_Caller]) -> tuple[bool, bool]:
        anonymous = any(c.kind == "anonymous" for c in callers)
        any_account = any(c.kind != "anonymous" and c.account is None and c.org in (None, ABSENT)
                          and c.userid is None for c in callers)
        return anonymous, any_account

    anonymous, any_account = unbounded(free)
    outside_anonymous, outside_any = unbounded(attacker)
    accounts = frozenset(c.account for c in free if c.account is not None)
    if entry.kind == "AWS" and not entry.is_everyone and free:
        accounts = frozenset({account_of(entry.value) or entry.value})
    bounded_by = frozenset(c.org for c in free if c.account is None and isinstance(c.org, str)) | \
        frozenset(c.userid for c in free if c.account is None and c.userid)
    names_principal = entry.kind == "AWS" and not entry.is_everyone and not is_account_principal(entry.value)
    unnamed = entry.kind == "AWS" and not names_principal and (anonymous or any_account or any(
        _usable(allow, denies, replace(c, unnamed=True)) for c in free if c.kind == "iam" and c.userid is None))
    return Grant(allow, entry, anonymous, any_account, accounts, frozenset() if any_account else bounded_by,
                 network_bound=(anonymous or any_account) and not (outside_anonymous or outside_any), unnamed=unnamed)


def _resolved(statement: Statement, resource_account: str | None) -> Statement:
    conditions = tuple(_resolve_facts(c, resource_account) for c in statement.conditions)
    return replace(statement, conditions=conditions) if conditions != statement.conditions else statement


def grants(policy: Policy | Mapping | str, *, resource_account: str | None = None) -> list[Grant]:
    """One Grant per principal entry of each Allow statement that names principals (a resource or
    trust policy), after the document's Denies; entries no caller can use are left out."""
    policy = parse_policy(policy)
    statements = [_resolved(s, resource_account) for s in policy.statements]
    denies = [s for s in statements if s.effect == DENY]
    found = []
    for allow in statements:
        if allow.effect != ALLOW or allow.principals is None:
            continue
        entries = (Principal("AWS", "*"),) if allow.not_principal else allow.principals
        for entry in entries:
            grant = _grant(allow, entry, denies)
            if grant.open or grant.accounts or grant.bounded_by:
                found.append(grant)
    return found
