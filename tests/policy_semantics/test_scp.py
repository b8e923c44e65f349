"""Service control policies under the shared semantics: the request table of docs/baseline.md
against the SCPs the baseline writes, SCP evaluation across levels, and the guardrail judges
(region deny, protections, documented exemptions) on documents that fail them."""
from __future__ import annotations

import json
import re

import pytest

from components.organization_guardrails import guardrails_document, region_deny_document
from regzone.catalog import load_catalog, region_az_counts
from regzone.paths import REPO_ROOT
from regzone_core.policy import Decision, PolicyError
from regzone_core.policy.guardrails import (exemption_problems, guardrail_gaps, load_guardrails,
                                            region_deny_gaps)
from regzone_core.policy.scp import FULL_AWS_ACCESS, MAX_SCP_CHARACTERS, decide, parse_scp, scp_request

ACCOUNT = "111122223333"
ALLOWED = ["eu-west-1", "eu-central-1"]
BREAK_GLASS = "regzone-break-glass"
BREAK_GLASS_ARN = f"arn:aws:iam::*:role/{BREAK_GLASS}"
REGION_DENY = region_deny_document(ALLOWED)
GUARDRAILS = guardrails_document(partition="aws", break_glass_role=BREAK_GLASS)
# Root: FullAWSAccess; the unit: FullAWSAccess and the two regzone SCPs.
LEVELS = [[FULL_AWS_ACCESS], [FULL_AWS_ACCESS, REGION_DENY, GUARDRAILS]]
DECISIONS = {"allow": Decision.ALLOW, "deny": Decision.EXPLICIT_DENY}


def _code(cell: str) -> str:
    return cell.strip().strip("`")


def _caller(short: str) -> str:
    kind = "sts" if short.startswith("assumed-role/") else "iam"
    return f"arn:aws:{kind}::{ACCOUNT}:{short}"


def request_table() -> list[tuple[str, str, str, str, dict, str]]:
    """The rows between the table markers of docs/baseline.md."""
    text = (REPO_ROOT / "docs" / "baseline.md").read_text(encoding="utf-8")
    body = text.split("<!-- scp-request-table -->", 1)[1].split("<!-- /scp-request-table -->", 1)[0]
    rows = []
    for line in body.strip().splitlines()[2:]:
        caller, action, region, resource, context, decision, _why = [c.strip() for c in line.strip("|").split("|")]
        keys = dict(_code(pair).split("=", 1) for pair in context.split(",") if pair.strip())
        rows.append((_code(caller), _code(action), _code(region), _code(resource), keys, decision))
    return rows


ROWS = request_table()


def test_the_table_is_read():
    assert len(ROWS) >= 30 and {row[-1] for row in ROWS} == {"allow", "deny"}


@pytest.mark.parametrize("caller, action, region, resource, context, decision", ROWS,
                         ids=[f"{r[0].rsplit('/', 1)[-1]}-{r[1]}-{r[2]}-{i}" for i, r in enumerate(ROWS)])
def test_request_table(caller, action, region, resource, context, decision):
    request = scp_request(_caller(caller), action, region=region, resource=resource, context=context)
    assert decide(LEVELS, request) is DECISIONS[decision]


def test_every_level_must_allow():
    """An SCP set that allows nothing at the unit level (FullAWSAccess detached) denies implicitly."""
    request = scp_request(_caller("role/zone-deployer"), "s3:GetObject", region="eu-west-1")
    assert decide([[FULL_AWS_ACCESS], [REGION_DENY, GUARDRAILS]], request) is Decision.IMPLICIT_DENY
    assert decide([[FULL_AWS_ACCESS], [FULL_AWS_ACCESS, REGION_DENY]], request) is Decision.ALLOW


def test_an_account_with_no_levels_is_a_usage_error():
    with pytest.raises(ValueError):
        decide([], scp_request(_caller("role/x"), "s3:GetObject", region="eu-west-1"))


@pytest.mark.parametrize("statement, problem", [
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, "no Principal"),
    ({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"}, "no Principal"),
])
def test_an_scp_names_no_principal(statement, problem):
    with pytest.raises(PolicyError, match=problem):
        parse_scp({"Version": "2012-10-17", "Statement": [statement]})


def test_an_scp_longer_than_the_limit_is_refused():
    padded = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "A" * 100, "Effect": "Deny", "Action": [f"s3:Get{i}" for i in range(500)], "Resource": "*"}]})
    assert len(padded) > MAX_SCP_CHARACTERS
    with pytest.raises(PolicyError, match="5120"):
        parse_scp(padded)


def test_the_written_scps_fit_the_limit_and_cite_controls():
    controls = {c.id for c in load_catalog().controls}
    for document in (REGION_DENY, GUARDRAILS, region_deny_document(sorted(region_az_counts()))):
        assert len(document) <= MAX_SCP_CHARACTERS
        for statement in json.loads(document)["Statement"]:
            cited = re.match(r"^RAZ([A-Z]+)(\d{3})", statement["Sid"])
            assert cited and f"RAZ-{cited.group(1)}-{cited.group(2)}" in controls, statement["Sid"]


# ---- the judges -----------------------------------------------------------------------------------

def _judged(*documents, allowed=ALLOWED, break_glass=BREAK_GLASS):
    return (region_deny_gaps(documents, allowed, region_az_counts()) +
            guardrail_gaps(documents, partition="aws", break_glass=[f"arn:aws:iam::*:role/{break_glass}"] if break_glass else []) +
            [p for d in documents for p in exemption_problems(d)])


def _edit(document: str, sid_prefix: str, change) -> str:
    parsed = json.loads(document)
    for statement in parsed["Statement"]:
        if statement["Sid"].startswith(sid_prefix):
            change(statement)
    return json.dumps(parsed)


def test_the_baseline_scps_leave_no_gap():
    assert _judged(REGION_DENY, GUARDRAILS) == []


def test_no_region_deny_is_a_gap_in_every_region():
    gaps = region_deny_gaps([GUARDRAILS], ALLOWED, region_az_counts())
    assert any("a Region the SCPs do not name" in g for g in gaps) and any("in us-east-1" in g for g in gaps)


def test_a_region_deny_allowing_a_region_outside_residency_is_a_gap():
    wider = region_deny_document([*ALLOWED, "us-east-1"])
    gaps = region_deny_gaps([wider, GUARDRAILS], ALLOWED, region_az_counts())
    assert gaps and all("in us-east-1" in g for g in gaps)


def test_a_region_deny_exempting_a_principal_is_a_gap():
    exempting = _edit(REGION_DENY, "RAZORG001", lambda s: s["Condition"].update(
        {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{BREAK_GLASS}"}}))
    assert region_deny_gaps([exempting, GUARDRAILS], ALLOWED, region_az_counts())


def test_a_region_deny_with_a_wildcard_region_is_a_gap():
    wildcard = _edit(REGION_DENY, "RAZORG001", lambda s: s.update(
        {"Condition": {"StringNotLike": {"aws:RequestedRegion": ["eu-*"]}}}))
    gaps = region_deny_gaps([wildcard, GUARDRAILS], ALLOWED, region_az_counts())
    assert any("eu-south-1" in g for g in gaps)


def test_an_undocumented_exemption_is_a_problem_even_when_coverage_holds():
    extra = _edit(REGION_DENY, "RAZORG001", lambda s: s["NotAction"].append("ec2:DescribeInstances"))
    assert region_deny_gaps([extra, GUARDRAILS], ALLOWED, region_az_counts()) == []
    assert any("ec2:DescribeInstances" in p for p in exemption_problems(extra))


def test_exempting_a_whole_regional_service_is_a_gap_and_a_problem():
    s3 = _edit(REGION_DENY, "RAZORG001", lambda s: s["NotAction"].append("s3:*"))
    assert any("s3:PutObject" in g for g in region_deny_gaps([s3, GUARDRAILS], ALLOWED, region_az_counts()))
    assert exemption_problems(s3)


@pytest.mark.parametrize("exempt", [
    ["arn:aws:iam::*:role/regzone-break-glass", "arn:aws:iam::*:role/platform-admin"],
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::*:role/regzone-*",
])
def test_a_protection_exempting_more_than_the_break_glass_role_is_a_gap(exempt):
    wider = _edit(GUARDRAILS, "RAZORG002Protect", lambda s: s["Condition"]["ArnNotLike"].update(
        {"aws:PrincipalArn": exempt}))
    gaps = guardrail_gaps([REGION_DENY, wider], partition="aws", break_glass=[BREAK_GLASS_ARN])
    assert any("cloudtrail:StopLogging" in g for g in gaps) and any("kms:PutKeyPolicy" in g for g in gaps)


def test_a_protection_exempting_by_tag_is_a_gap():
    tagged = _edit(GUARDRAILS, "RAZORG002ProtectKeys", lambda s: s["Condition"].update(
        {"StringNotEquals": {"aws:PrincipalTag/team": "platform"}}))
    gaps = guardrail_gaps([REGION_DENY, tagged], partition="aws", break_glass=[BREAK_GLASS_ARN])
    assert gaps and all("kms:" in g for g in gaps)


def test_without_a_break_glass_role_the_protections_exempt_nobody():
    strict = guardrails_document(partition="aws", break_glass_role=None)
    assert guardrail_gaps([strict], partition="aws", break_glass=[]) == []
    # The break-glass exemption is a gap when the settings name no break-glass role.
    assert guardrail_gaps([GUARDRAILS], partition="aws", break_glass=[])


def test_imdsv2_and_the_organization_deny_have_no_exemption():
    for sid, needle in (("RAZORG003RequireImdsv2", "ec2:RunInstances"),
                        ("RAZORG004StayInOrganization", "organizations:LeaveOrganization")):
        exempting = _edit(GUARDRAILS, sid, lambda s: s.setdefault("Condition", {}).update(
            {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{BREAK_GLASS}"}}))
        gaps = guardrail_gaps([REGION_DENY, exempting], partition="aws", break_glass=[BREAK_GLASS_ARN])
        assert any(needle in g for g in gaps), sid


def test_an_imds_deny_that_misses_requests_without_metadata_options_is_a_gap():
    present_only = _edit(GUARDRAILS, "RAZORG003RequireImdsv2", lambda s: s.update(
        {"Condition": {"StringEquals": {"ec2:MetadataHttpTokens": "optional"}}}))
    gaps = guardrail_gaps([REGION_DENY, present_only], partition="aws", break_glass=[BREAK_GLASS_ARN])
    assert any("ec2:MetadataHttpTokens=(absent)" in g for g in gaps)


def test_the_documented_global_list_is_a_superset_of_what_the_baseline_exempts():
    g = load_guardrails()
    assert set(g.exempted_global) <= set(g.documented_global)
    assert not {"kms:*", "acm:*"} & set(g.exempted_global)


def test_a_break_glass_role_named_in_one_account_only_is_narrower_than_the_scp_exemption():
    """The SCP exempts the role in every member account; settings that name it in one account only
    make the exemption of the others a gap."""
    one_account = [f"arn:aws:iam::{ACCOUNT}:role/{BREAK_GLASS}"]
    assert guardrail_gaps([REGION_DENY, GUARDRAILS], partition="aws", break_glass=one_account)


def test_gaps_of_one_control():
    none = guardrail_gaps([REGION_DENY], partition="aws", break_glass=[BREAK_GLASS_ARN], control="RAZ-ORG-004")
    assert none and all(g.startswith("[RAZ-ORG-004]") for g in none)


# ---- value sets: every caller but the exempted ones -------------------------------------------------

def _condition(operator, values, key="aws:PrincipalArn"):
    return parse_scp({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                                             "Condition": {operator: {key: values}}}]}
                     ).statements[0].conditions[0]


@pytest.mark.parametrize("operator, values, must, can", [
    ("ArnNotLike", [BREAK_GLASS_ARN], True, True),                       # exempts exactly the break-glass role
    ("ArnNotEquals", [BREAK_GLASS_ARN], True, True),
    ("StringNotEquals", [BREAK_GLASS_ARN], True, True),
    ("ArnNotLike", ["arn:aws:iam::*:role/*"], False, True),              # exempts every role
    ("ArnNotLike", [BREAK_GLASS_ARN, "arn:aws:iam::*:role/admin"], False, True),
    ("StringNotLike", ["arn:aws:iam::*:role/regzone-*"], False, True),
    ("ArnLike", ["arn:aws:iam::*:role/admin"], False, True),             # applies to one role only
    ("ArnLike", ["*"], True, True),
    ("StringNotEqualsIgnoreCase", [BREAK_GLASS_ARN], False, True),     # not judged: never credited
])
def test_conditions_over_every_caller_but_the_break_glass_role(operator, values, must, can):
    from regzone_core.policy.symbolic import Outside, can_hold, must_hold
    outside = Outside((BREAK_GLASS_ARN,))
    condition = _condition(operator, values)
    assert must_hold(condition, outside) is must and can_hold(condition, outside) is can
