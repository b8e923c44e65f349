"""Can a caller get one action on one resource allowed, whatever else its request carries?

`evaluate` decides one concrete request. Some questions are about every request a caller could
send: may a workload role decrypt with a key when its request carries no attestation document, or
one with measurements the policy does not name? The caller chooses most context keys (encryption
context, the service it goes through); a few are fixed by who it is (its ARN, its account) or by
the question (an attestation key absent, or holding an unnamed value). `values(key)` says what each
key can hold, as a `regzone_core.policy.symbolic` value set.

Over-approximating, as `grants` does: an Allow counts when each of its conditions can hold
(`can_hold`), a Deny only when each of its conditions must hold (`must_hold`), so that a request
that may be allowed is never reported as impossible.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from regzone_core.policy.document import ALLOW, DENY, Policy, Principal, Statement, parse_policy
from regzone_core.policy.evaluation import action_matches, principal_matches, resource_matches
from regzone_core.policy.symbolic import Values, can_hold, must_hold

ValuesOf = Callable[[str], Values]


def _applies(statement: Statement, caller: Principal, action: str, resource: str) -> bool:
    return (principal_matches(statement, caller) and action_matches(statement, action)
            and resource_matches(statement, resource, {}, variables=False))


def may_allow(policy: Policy | Mapping | str, caller: Principal, action: str, resource: str,
              values: ValuesOf) -> bool:
    """Some request by `caller` for `action` on `resource`, whose context key `k` (lower case) takes
    a value of `values(k)`, is allowed by this document."""
    policy = parse_policy(policy)
    statements = [s for s in policy.statements if _applies(s, caller, action, resource)]
    allowed = any(s.effect == ALLOW and all(can_hold(c, values(c.key)) for c in s.conditions) for s in statements)
    denied = any(s.effect == DENY and all(must_hold(c, values(c.key)) for c in s.conditions) for s in statements)
    return allowed and not denied
