"""Does a document's Deny catch every request of a set that matters, for every caller?

A set is a product of action patterns, resource patterns and the context keys its requests are
known to carry (for the TLS rule: every `s3:*` action, on the bucket and on its objects, with
`aws:SecureTransport` = false). Every other context key may hold anything or be absent: a Deny
whose extra condition narrows it (a principal, a tag, an IfExists key) does not count, because
requests outside that narrowing escape it. The set is split into cells (one action pattern, one
resource pattern) and each cell must be denied as a whole by one statement; so a Deny written as
two statements (one for the bucket, one for its objects) counts, and so does
`{"AWS": ["*"]}` or `"*"` as principal, `NotResource`/`NotAction` that leave the cell inside.

A context value may also be a set of values (`regzone_core.policy.symbolic`): `Fresh("region")`
for any region the document does not name, `Outside(patterns)` for every caller ARN but the
exempted ones, `ABSENT` for requests that do not carry the key.

A cell denied only by the union of several partial statements is reported as not covered:
under-approximating keeps a missing Deny from passing as present.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from regzone_core.policy.document import DENY, Policy, Statement, parse_policy
from regzone_core.policy.evaluation import normalise_context
from regzone_core.policy.patterns import arn_includes, arn_intersects, includes, intersects
from regzone_core.policy.symbolic import (ABSENT, FREE, ArnIn, Fresh, Lit, OrgPathIn, Outside, UnnamedArnIn, Values,
                                         must_hold)

_SETS = (Lit, Fresh, ArnIn, UnnamedArnIn, OrgPathIn, Outside)


@dataclass(frozen=True)
class RequestSet:
    actions: Sequence[str]
    resources: Sequence[str]
    context: Mapping[str, object] = field(default_factory=dict)   # keys every request carries


def _every_caller(statement: Statement) -> bool:
    if statement.principals is None:
        return True   # an identity policy: its one identity
    return not statement.not_principal and any(p.is_everyone for p in statement.principals)


def _action_inside(statement: Statement, action: str) -> bool:
    if statement.not_action:
        return not any(intersects(n, action, ignore_case=True) for n in statement.actions)
    return any(includes(p, action, ignore_case=True) for p in statement.actions)


def _resource_inside(statement: Statement, resource: str) -> bool:
    if statement.resources is None:
        return True
    if statement.not_resource:
        return not any(arn_intersects(n, resource) for n in statement.resources)
    return any(arn_includes(p, resource) for p in statement.resources)


def denies_cell(statement: Statement, action: str, resource: str, context: Mapping[str, Values]) -> bool:
    """This Deny statement applies to every request of the cell, whoever sends it."""
    return (statement.effect == DENY and _every_caller(statement) and _action_inside(statement, action)
            and _resource_inside(statement, resource)
            and all(must_hold(c, context.get(c.key, FREE)) for c in statement.conditions))


def _value_sets(context: Mapping[str, object]) -> dict[str, Values]:
    """Lower-cased keys; concrete values become `Lit`, value sets stay as they are."""
    sets = {str(k).lower(): v for k, v in context.items() if isinstance(v, _SETS) or v is ABSENT or v is FREE}
    literal = normalise_context({k: v for k, v in context.items() if str(k).lower() not in sets})
    return {**{k: Lit(v) for k, v in literal.items()}, **sets}


def uncovered(policy: Policy | Mapping | str, requests: RequestSet) -> list[tuple[str, str]]:
    """The (action, resource) cells of `requests` that no Deny statement of `policy` catches whole."""
    policy = parse_policy(policy)
    context = _value_sets(requests.context)
    return [(action, resource) for action in requests.actions for resource in requests.resources
            if not any(denies_cell(s, action, resource, context) for s in policy.statements)]


def denies_all(policy: Policy | Mapping | str, requests: RequestSet) -> bool:
    return not uncovered(policy, requests)
