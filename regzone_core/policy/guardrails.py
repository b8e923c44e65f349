"""The organization guardrails: what the service control policies above a regulated account must
deny, judged by what a set of SCPs denies (never by their shape).

The data and its sources are in `data/guardrails.json`:

- the region deny: every action of `regional_actions`, in every Region outside the allowed ones
  (any Region the documents do not name, and every catalogued Region outside the list), for every
  principal; a region-deny statement may exempt (NotAction) only actions of AWS's documented
  global-service list;
- the protections: `protected` actions on their resources, for every principal but the
  break-glass role (`aws:PrincipalArn`); `unconditional` denies, for every principal, in each of
  their listed request contexts.

`components/organization_guardrails.py` writes the SCPs from the same data; the preview policies
(`policypacks/regulated-ai/regulated_ai/policies/organizations.py`) and the evidence check
`organizations_scp_guardrails` call the judges below, so that all three agree.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from regzone_core.policy.coverage import RequestSet, uncovered
from regzone_core.policy.document import DENY, Policy, Statement
from regzone_core.policy.patterns import includes
from regzone_core.policy.scp import parse_scp
from regzone_core.policy.symbolic import ABSENT, FREE, Fresh, Outside

_DATA = Path(__file__).resolve().parent / "data" / "guardrails.json"
REQUESTED_REGION = "aws:requestedregion"
PRINCIPAL_ARN = "aws:PrincipalArn"
_SHOWN = 4


@dataclass(frozen=True)
class GuardrailStatement:
    name: str
    controls: tuple[str, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]             # templates: {partition}, {account_trail}, ...
    condition: Mapping[str, Any] | None = None
    requests: tuple[Mapping[str, Any], ...] = ({},)   # contexts the statement must deny
    needs: str | None = None               # a name without which the statement is left out

    @property
    def sid(self) -> str:
        """The statement id cites its first control: RAZ-ORG-002 + ProtectTrails -> RAZORG002ProtectTrails."""
        return self.controls[0].replace("-", "") + self.name

    def resolved(self, names: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(r.format(**names) for r in self.resources)


@dataclass(frozen=True)
class Guardrails:
    documented_global: tuple[str, ...]
    exempted_global: tuple[str, ...]
    regional_actions: tuple[str, ...]
    account_trail: str
    audit_bucket_prefix: str
    protected: tuple[GuardrailStatement, ...]
    unconditional: tuple[GuardrailStatement, ...]
    sources: Mapping[str, str] = field(default_factory=dict)


def _statements(raw: Iterable[Mapping[str, Any]]) -> tuple[GuardrailStatement, ...]:
    return tuple(GuardrailStatement(
        name=s["name"], controls=tuple(s["controls"]), actions=tuple(s["actions"]), resources=tuple(s["resources"]),
        condition=s.get("condition"), requests=tuple(s.get("requests", [{}])), needs=s.get("needs")) for s in raw)


@lru_cache(maxsize=1)
def load_guardrails() -> Guardrails:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return Guardrails(
        documented_global=tuple(raw["global_services"]["documented"]),
        exempted_global=tuple(raw["global_services"]["exempted"]),
        regional_actions=tuple(raw["regional_actions"]["actions"]),
        account_trail=raw["names"]["account_trail"], audit_bucket_prefix=raw["names"]["audit_bucket_prefix"],
        protected=_statements(raw["protected"]["statements"]),
        unconditional=_statements(raw["unconditional"]["statements"]),
        sources={"global_services": raw["global_services"]["source"]})


def break_glass_arn(partition: str, role_name: str) -> str:
    """The break-glass role in whichever member account calls: an SCP spans accounts, and
    `aws:PrincipalArn` is always the caller's own account, so the account part is `*`."""
    return f"arn:{partition}:iam::*:role/{role_name}"


def _names(partition: str, break_glass_role: str | None) -> dict[str, str]:
    g = load_guardrails()
    return {"partition": partition, "account_trail": g.account_trail, "audit_bucket_prefix": g.audit_bucket_prefix,
            "break_glass_role": break_glass_role or ""}


def _union(documents: Iterable[Any]) -> Policy:
    """One policy holding every statement of the SCPs (all of them apply to the same accounts)."""
    statements: list[Statement] = []
    for document in documents:
        statements += parse_scp(document).statements
    return Policy("2012-10-17", tuple(statements))


def _gap(controls: Sequence[str], action: str, resource: str, why: str) -> str:
    return f"[{', '.join(controls)}] {action} on {resource} is not denied {why}"


def region_deny_gaps(documents: Iterable[Any], allowed_regions: Sequence[str],
                     known_regions: Iterable[str]) -> list[str]:
    """Regional actions that some Region outside `allowed_regions` leaves allowed, for some principal."""
    policy = _union(documents)
    outside = sorted(set(known_regions) - set(allowed_regions))
    region_sets = [("in a Region the SCPs do not name", Fresh("region"))] + [(f"in {r}", r) for r in outside]
    gaps = []
    for label, region in region_sets:
        actions = [action for action, _ in uncovered(policy, RequestSet(
            load_guardrails().regional_actions, ["*"], {REQUESTED_REGION: region, PRINCIPAL_ARN: FREE}))]
        if actions:
            shown = ", ".join(actions[:_SHOWN]) + (f" and {len(actions) - _SHOWN} more" if len(actions) > _SHOWN else "")
            gaps.append(f"[RAZ-ORG-001] {shown} not denied {label} for every principal")
    return gaps


def guardrail_gaps(documents: Iterable[Any], *, partition: str, break_glass: Sequence[str] = (),
                   control: str | None = None) -> list[str]:
    """Protected actions some principal other than the `break_glass` principals (ARN patterns, as
    `aws:PrincipalArn` is matched) may call, and unconditional denies some request escapes; only
    the statements citing `control` when given."""
    policy, g = _union(documents), load_guardrails()
    who = (f"for every principal but {', '.join(break_glass)}" if break_glass
           else "for every principal (no break-glass role is configured)")
    gaps = []
    for statement in (s for s in g.protected if control is None or control in s.controls):
        roles = [arn.rsplit("/", 1)[-1] for arn in break_glass] if statement.needs == "break_glass_role" else [None]
        for role in roles:
            resources = statement.resolved(_names(partition, role))
            for action, resource in uncovered(policy, RequestSet(statement.actions, resources,
                                                                 {PRINCIPAL_ARN: Outside(tuple(break_glass))})):
                gaps.append(_gap(statement.controls, action, resource, who))
    for statement in (s for s in g.unconditional if control is None or control in s.controls):
        resources = statement.resolved(_names(partition, None))
        for request in statement.requests:
            context = {PRINCIPAL_ARN: FREE, **{k: ABSENT if v is None else v for k, v in request.items()}}
            shown = ", ".join(f"{k}={'(absent)' if v is None else v}" for k, v in request.items())
            for action, resource in uncovered(policy, RequestSet(statement.actions, resources, context)):
                gaps.append(_gap(statement.controls, action, resource,
                                 f"for every principal{f' when {shown}' if shown else ''}"))
    return gaps


def _region_conditioned(statement: Statement) -> bool:
    return any(c.key == REQUESTED_REGION for c in statement.conditions)


def exemption_problems(document: Any) -> list[str]:
    """Region-deny statements (Denies conditioned on aws:RequestedRegion) that exempt, by NotAction,
    an action outside AWS's documented global-service list."""
    documented = load_guardrails().documented_global
    problems = []
    for statement in parse_scp(document).statements:
        if statement.effect != DENY or not _region_conditioned(statement) or not statement.not_action:
            continue
        extra = [a for a in statement.actions if not any(includes(d, a, ignore_case=True) for d in documented)]
        if extra:
            problems.append(f"[RAZ-ORG-001] {statement.label} exempts {', '.join(extra)} from the region deny, which "
                            "AWS's documented global-service list does not name (AWS Organizations User Guide, "
                            "'Deny access to AWS based on the requested AWS Region'): remove it from NotAction")
    return problems
