"""Every policy document the project's programs send to AWS passes an IAM linter.

Each reference stack (stacks/Pulumi.*.yaml), the in-cluster dev program and every baseline stack
(baseline/Pulumi.*.yaml: account settings and the organization's SCPs) is recorded under the preview
mocks; every input property whose name ends in "policy" and holds JSON, and every JSON
value holding a `Statement`, is a document. Each must parse (as JSON, and as a policy by
regzone_core.policy when it has statements), and the IAM linter (parliament, with its IAM
definitions from the AWS Service Authorization Reference) must report none of the findings that
the real API or the real request would trip over: unknown actions and prefixes, conditions the
action never carries (a condition on a key the request does not have is false: see
shared/reference/real-account.md), malformed conditions and operators, type mismatches, resources
of the wrong type for the action, malformed documents and principals.

A statement without a Resource (resource policies of ECR repositories, trust policies) applies to
the resource it is attached to; the linter, written for identity policies, is shown `"*"` there.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import parliament
import pytest

from regzone.config.loader import read_stack_file
from regzone.paths import BASELINE_DIR, REPO_ROOT, STACKS_DIR
from regzone.preview.recorder import Recording, project_of, record_program
from regzone.preview.run import _zone_context
from regzone_core.policy import PolicyError, parse_policy
from regzone_core.policy.guardrails import load_guardrails

ZONE_STACKS = ("dev", "gdpr-eu", "hipaa", "pci")
INCLUSTER = REPO_ROOT / "incluster"
# parliament's finding ids (its config.yaml) that mean AWS would refuse the document or a request
# would not match it as written. RESOURCE_STAR and the other NOT_IDEAL/LOW style notes are not here.
FAILING = frozenset({
    "MALFORMED_JSON", "MALFORMED", "EXCEPTION", "INVALID_VERSION", "DUPLICATE_SID",
    "UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_CONDITION_FOR_ACTION", "UNKNOWN_OPERATOR",
    "MISMATCHED_TYPE", "MISMATCHED_TYPE_OPERATION_TO_NULL", "RESOURCE_MISMATCH", "INVALID_ARN",
    "UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE", "BAD_PATTERN_FOR_MFA"})
# JSON documents named "policy" that are not IAM documents: (type token, property) -> what they are.
NOT_IAM = {("aws:ecr/lifecyclePolicy:LifecyclePolicy", "policy"): "ECR lifecycle rules",
           ("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "lifecyclePolicy"): "ECR lifecycle rules"}
_POLICY_NAME = re.compile(r"policy$", re.IGNORECASE)


@dataclass(frozen=True)
class Document:
    program: str
    type: str
    name: str
    path: str
    text: str

    def where(self) -> str:
        return f"{self.program}: {self.type} '{self.name}' {self.path}"


def _walk(value, path: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def _json_looking(value) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("{")


def documents(program: str, recording: Recording) -> Iterator[Document]:
    """Policy-named JSON properties and JSON values with statements, across every resource type."""
    for resource in recording.resources:
        for path, value in _walk(resource.inputs, ""):
            named = bool(_POLICY_NAME.search(path.rsplit(".", 1)[-1].split("[", 1)[0]))
            if _json_looking(value) and (named or '"Statement"' in value):
                yield Document(program, resource.type, resource.name, path, value)


def parse_problem(document: Document) -> str | None:
    """Why a policy document would not reach AWS as a policy, or None."""
    try:
        parsed = json.loads(document.text)
    except ValueError as error:
        return f"{document.where()} is not valid JSON: {error}"
    if not isinstance(parsed, dict) or "Statement" not in parsed:
        if (document.type, document.path) in NOT_IAM:
            return None
        return f"{document.where()} is JSON but not a policy document (no Statement) and not a known other kind"
    try:
        parse_policy(parsed)
    except PolicyError as error:
        return f"{document.where()}: {error}"
    return None


def lint(text: str) -> list[tuple[str, str]]:
    """(finding id, detail) of the linter's findings that fail the suite."""
    parsed = json.loads(text)
    statements = parsed["Statement"] if isinstance(parsed["Statement"], list) else [parsed["Statement"]]
    shown = {**parsed, "Statement": [s if "Resource" in s or "NotResource" in s else {**s, "Resource": "*"}
                                     for s in statements]}
    policy = parliament.analyze_policy_string(json.dumps(shown), ignore_private_auditors=True)
    return sorted({(f.issue, str(f.detail)) for f in policy.findings if f.issue in FAILING})


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    recorded = {stack: record_program(STACKS_DIR, stack, read_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml"))
                for stack in ZONE_STACKS}
    config = read_stack_file(INCLUSTER / "Pulumi.dev.yaml")
    project = project_of(INCLUSTER)
    _, zone_outputs = _zone_context(project, config, str(INCLUSTER / "Pulumi.dev.yaml"))
    recorded["incluster"] = record_program(INCLUSTER, "dev", config, project=project, stack_outputs=zone_outputs)
    for stack in BASELINE_STACKS:
        recorded[f"baseline-{stack}"] = record_program(
            BASELINE_DIR, stack, read_stack_file(BASELINE_DIR / f"Pulumi.{stack}.yaml"), project=project_of(BASELINE_DIR))
    return recorded


BASELINE_STACKS = ("dev", "gdpr-eu", "hipaa", "pci", "organization")
PROGRAMS = (*ZONE_STACKS, "incluster", *(f"baseline-{stack}" for stack in BASELINE_STACKS))


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS)
def test_every_policy_document_parses(program, recordings):
    found = list(documents(program, recordings[program]))
    assert found, f"{program}: no policy document found: the search itself is broken"
    assert [p for p in map(parse_problem, found) if p] == []


@pytest.mark.slow
@pytest.mark.parametrize("program", ZONE_STACKS)
def test_zone_documents_of_every_kind_are_found(program, recordings):
    kinds = {(d.type, d.path) for d in documents(program, recordings[program])}
    assert {("aws:iam/role:Role", "assumeRolePolicy"), ("aws:iam/rolePolicy:RolePolicy", "policy"),
            ("aws:kms/key:Key", "policy"), ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
            ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"), ("aws:ec2/vpcEndpoint:VpcEndpoint", "policy")} <= kinds


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS)
def test_iam_linter_finds_nothing_aws_would_trip_over(program, recordings):
    findings = [f"{d.where()}: {issue}: {detail}" for d in documents(program, recordings[program])
                if (d.type, d.path) not in NOT_IAM for issue, detail in lint(d.text)]
    assert findings == [], "\n".join(findings)


@pytest.mark.parametrize("statement, issue", [
    ({"Effect": "Allow", "Action": "kms:Decryptt", "Resource": "*"}, "UNKNOWN_ACTION"),
    ({"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
      "Condition": {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": "x"}}}, "UNKNOWN_CONDITION_FOR_ACTION"),
    ({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/k"},
     "RESOURCE_MISMATCH"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Null": {"s3:prefix": "maybe"}}},
     "MISMATCHED_TYPE_OPERATION_TO_NULL"),
])
def test_the_lint_fails_what_aws_would_trip_over(statement, issue):
    assert issue in {i for i, _ in lint(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))}


@pytest.mark.slow
def test_the_organization_scps_are_found_and_linted(recordings):
    found = [d for d in documents("baseline-organization", recordings["baseline-organization"])
             if d.type == "aws:organizations/policy:Policy"]
    assert len(found) == 3 and all(d.path == "content" for d in found)


def test_the_actions_the_guardrails_judge_exist():
    """The region deny's exemptions and the actions every guardrail must deny are real IAM actions
    (a misspelt action in a judged request set would make a gap nobody can close)."""
    g = load_guardrails()
    actions = [*g.documented_global, *g.regional_actions,
               *(a for s in (*g.protected, *g.unconditional) for a in s.actions)]
    statement = {"Effect": "Deny", "Action": sorted(set(actions)), "Resource": "*"}
    assert lint(json.dumps({"Version": "2012-10-17", "Statement": [statement]})) == []


def test_a_statement_without_resource_is_linted_as_the_attached_resource():
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    assert lint(json.dumps(trust)) == []


@pytest.mark.parametrize("text, problem", [
    ('{"Statement": [', "not valid JSON"),
    ('{"rules": []}', "not a policy document"),
    ('{"Statement": {"Effect": "Permit", "Action": "*"}}', "Effect must be Allow or Deny"),
])
def test_unparseable_policy_properties_fail(text, problem):
    assert problem in parse_problem(Document("p", "aws:iam/rolePolicy:RolePolicy", "r", "policy", text))
