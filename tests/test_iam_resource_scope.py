"""The programs' own identity policies use `Resource: "*"` only for actions that AWS gives no
resource-level permissions (the Service Authorization Reference, as parliament's IAM definitions
carry it): every other action names its resources. EXCEPTIONS lists, with the reason, the actions
a component must grant on `*` although the reference names a resource type; it is empty now."""
from __future__ import annotations

import json

import parliament
import pytest

from regulated_ai.types import IDENTITY_POLICY_DOCUMENTS
from regzone_core.policy import parse_policy
from regzone_core.policy.document import ALLOW
from regzone_core.policy.patterns import includes
from tests.test_policy_lint import PROGRAMS, recordings  # noqa: F401 - the shared module fixture

EXCEPTIONS: dict[str, str] = {}
# The organization baseline attaches service control policies and grants no identity anything.
WITHOUT_IDENTITY_POLICIES = frozenset({"baseline-organization"})


def _resource_types(service: str, action: str) -> list[str]:
    definition = next(d for d in parliament.iam_definition if d["prefix"] == service)
    privilege = next(p for p in definition["privileges"] if p["privilege"].lower() == action.lower())
    return [r["resource_type"] for r in privilege["resource_types"] if r["resource_type"]]


def star_problems(document) -> list[str]:
    """Actions an Allow grants on `*` although they take a resource (after parliament's expansion)."""
    problems = []
    for statement in parse_policy(document).statements:
        on_star = statement.resources is None or statement.not_resource or any(
            includes(p, "*") for p in statement.resources)
        if statement.effect != ALLOW or not on_star:
            continue
        for pattern in statement.actions:
            for expanded in parliament.expand_action(pattern):
                name = f"{expanded['service']}:{expanded['action']}"
                types = _resource_types(expanded["service"], expanded["action"])
                if types and name not in EXCEPTIONS:
                    problems.append(f"{statement.label} grants {name} on *; it takes {', '.join(types)}")
    return problems


def _identity_documents(recording):
    for resource in recording.resources:
        for path in IDENTITY_POLICY_DOCUMENTS.get(resource.type, ()):
            head, each, tail = path.partition("[].")
            values = [item.get(tail) for item in resource.inputs.get(head) or []] if each else [resource.inputs.get(path)]
            for value in values:
                if value:
                    yield f"{resource.type} '{resource.name}' {path}", json.loads(value) if isinstance(value, str) else value


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS)
def test_programs_use_star_only_where_aws_requires_it(program, recordings):  # noqa: F811
    documents = list(_identity_documents(recordings[program]))
    if program in WITHOUT_IDENTITY_POLICIES:
        assert documents == [], f"{program} now has identity policies: take it out of WITHOUT_IDENTITY_POLICIES"
        return
    assert documents, f"{program}: no identity policy found: the search itself is broken"
    assert [f"{where}: {p}" for where, doc in documents for p in star_problems(doc)] == []


def test_star_is_accepted_only_for_actions_without_resource_types():
    assert star_problems({"Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeInstances", "sts:GetCallerIdentity"],
                                         "Resource": "*"}]}) == []
    [problem] = star_problems({"Statement": [{"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents",
                                              "Resource": "*"}]})
    assert problem.startswith("Logs grants logs:PutLogEvents on *") and "log-stream" in problem
    assert star_problems({"Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents",
                                         "Resource": "arn:aws:logs:eu-west-1:111122223333:log-group:g:*"}]}) == []


def test_every_exception_names_a_known_action_and_a_reason():
    for action, reason in EXCEPTIONS.items():
        service, name = action.split(":")
        assert _resource_types(service, name) and reason
