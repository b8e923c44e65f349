"""Least privilege in identity policies: which Allow statements hand out a whole service, or the
right to pass any role, once the document's own Denies count.

Two questions, each over a set of requests rather than one (the same approximations as
`coverage` and `grants`):

- `service_wide`: an Allow that grants every action of a service (`*`, `svc:*`, `*:*`, NotAction)
  on every resource of that service. A service-wide wildcard on every resource is treated like
  `*`: it administers that service, and for IAM, STS or Organizations the account. "Every
  resource" is `*`, an ARN pattern whose region, account and resource parts are wildcards (or
  empty, as IAM and S3 write their ARNs), or NotResource, which grants everything but what it
  lists.
- `unbounded_pass_role`: an Allow of `iam:PassRole` on every role of an account (`*`,
  `arn:aws:iam::111122223333:role/*`, NotResource). PassRole must name the roles (or a role path
  the deploying team owns): passing any role lets the holder act with that role's permissions
  through a service ("Granting a user permissions to pass a role to an AWS service", IAM User
  Guide).

Conditions do not excuse an Allow: they narrow the requests by what those carry, not the actions
and resources the holder may use; only a condition that can never hold does. A Deny excuses it
only when it catches the whole grant for every request (`coverage.denies_cell`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from regzone_core.policy.coverage import denies_cell
from regzone_core.policy.document import ALLOW, DENY, Policy, Statement, parse_policy
from regzone_core.policy.patterns import arn_includes, arn_parts, has_wildcard, includes, intersects
from regzone_core.policy.symbolic import FREE, can_hold

PASS_ROLE = "iam:PassRole"  # nosec B105 - an IAM action name, not a credential


@dataclass(frozen=True)
class WideGrant:
    """One Allow statement that grants `actions` on `resources` wholesale."""
    statement: Statement
    actions: str      # "*", "s3:*", or "every action but ..." for NotAction
    resources: str    # the resource pattern (or "NotResource ...") that covers everything


def _can_apply(statement: Statement) -> bool:
    return all(can_hold(c, FREE) for c in statement.conditions)


def _literal_or_any(part: str) -> str:
    return "*" if has_wildcard(part) else part


def _every_resource_of(pattern: str, service: str) -> bool:
    """`pattern` matches every resource of `service` ("*": of every service) in its partition."""
    if includes(pattern, "*"):
        return True
    parts = arn_parts(pattern)
    if parts is None:
        return False
    partition = _literal_or_any(parts[1])
    return any(arn_includes(pattern, f"arn:{partition}:{service}:{region}:{account}:*")
               for region in ("*", "") for account in ("*", ""))


def _every_role_of_an_account(pattern: str) -> bool:
    if includes(pattern, "*"):
        return True
    parts = arn_parts(pattern)
    if parts is None:
        return False
    return arn_includes(pattern, f"arn:{_literal_or_any(parts[1])}:iam::{_literal_or_any(parts[4])}:role/*")


def _resource_labels(statement: Statement, covers) -> list[str]:
    if statement.resources is None:
        return ["(no Resource: every resource)"]
    if statement.not_resource:
        return [f"NotResource {list(statement.resources)} (every other resource)"]
    return [p for p in statement.resources if covers(p)]


def _denied(denies: list[Statement], action: str, resource: str, covers) -> bool:
    """A Deny catches the grant for every request: on the whole resource, or on all but resources
    that are themselves bounded (a NotResource Deny leaves only what it lists)."""
    resource = "*" if resource.startswith(("(", "NotResource")) else resource
    for deny in denies:
        if deny.not_resource and deny.resources is not None:
            if denies_cell(replace(deny, resources=None, not_resource=False), action, resource, {}) \
                    and not any(covers(p) for p in deny.resources):
                return True
        elif denies_cell(deny, action, resource, {}):
            return True
    return False


def _service_scopes(statement: Statement) -> list[tuple[str, str]]:
    """(label, service) for each whole service the actions grant; service "*" is every service."""
    if statement.not_action:
        if any(includes(p, "*", ignore_case=True) for p in statement.actions):
            return []
        return [(f"every action but {list(statement.actions)}", "*")]
    scopes = []
    for pattern in statement.actions:
        if includes(pattern, "*", ignore_case=True):
            scopes.append((pattern, "*"))
            continue
        service, colon, _ = pattern.partition(":")
        if colon and includes(pattern, f"{service}:*", ignore_case=True):
            scopes.append((pattern, service))
    return scopes


def service_wide(policy: Policy | Mapping | str) -> list[WideGrant]:
    """Allow statements of an identity policy that grant a whole service (or all) on all its resources."""
    policy = parse_policy(policy)
    denies = [s for s in policy.statements if s.effect == DENY]
    found = []
    for statement in policy.statements:
        if statement.effect != ALLOW or statement.principals is not None or not _can_apply(statement):
            continue
        for label, service in _service_scopes(statement):
            action = "*" if service == "*" else f"{service}:*"
            services = [service]
            if service == "*" and statement.resources and not statement.not_resource:
                # `*` on every resource of one service is that whole service.
                services += sorted({parts[2] for parts in map(arn_parts, statement.resources)
                                    if parts and not has_wildcard(parts[2])})
            for target in services:
                def covers(pattern: str, target: str = target) -> bool:
                    return _every_resource_of(pattern, target)
                for resource in _resource_labels(statement, covers):
                    if not _denied(denies, action if target == service else f"{target}:*", resource, covers):
                        found.append(WideGrant(statement, label, resource))
    return list(dict.fromkeys(found))


def _grants_pass_role(statement: Statement) -> bool:
    if statement.not_action:
        return not any(intersects(p, PASS_ROLE, ignore_case=True) for p in statement.actions)
    return any(includes(p, PASS_ROLE, ignore_case=True) for p in statement.actions)


def unbounded_pass_role(policy: Policy | Mapping | str) -> list[WideGrant]:
    """Allow statements of an identity policy that let the holder pass every role of an account."""
    policy = parse_policy(policy)
    denies = [s for s in policy.statements if s.effect == DENY]
    return [WideGrant(statement, PASS_ROLE, resource)
            for statement in policy.statements
            if statement.effect == ALLOW and statement.principals is None and _can_apply(statement)
            and _grants_pass_role(statement)
            for resource in _resource_labels(statement, _every_role_of_an_account)
            if not _denied(denies, PASS_ROLE, resource, _every_role_of_an_account)]
