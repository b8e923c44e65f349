"""The account-setting checks whose APIs moto does not implement (ec2 GetEbsDefaultKmsKeyId, IAM
Access Analyzer; shared/reference/moto.md): PASS and FAIL on answers stubbed with botocore's
Stubber (validated against the service models), ERROR against moto itself, never PASS."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.stub import Stubber

from regzone.evidence.aws import Aws
from regzone.evidence.checks import ScanContext, load_checks
from regzone.evidence.collectors import GLOBAL_SERVICES, CollectContext, collectors
from components.organization_guardrails import guardrails_document, region_deny_document
from regzone.evidence.model import Status
from regzone_core.policy.scp import FULL_AWS_ACCESS
from tests.evidence.conftest import fresh_session, inject, run
from tests.evidence.zone import ACCOUNT_CHECKS, BREAK_GLASS, REGION, seed_guardrails
from tests.helpers import edited

ACCOUNT = "123456789012"
CUSTOMER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
AWS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321"


def stubbed(check_name: str, answers: dict[tuple[str, str], list[tuple[str, dict]]]):
    """The check's results when each (service, region) client answers `answers` in order."""
    aws = Aws(fresh_session(), max_attempts=1)
    stubbers = []
    for (service, region), calls in answers.items():
        stubber = Stubber(aws.client(service, region))
        for operation, response in calls:
            stubber.add_response(operation, response)
        stubber.activate()
        stubbers.append(stubber)
    check = next(c for c in load_checks() if c.name == check_name)
    with ThreadPoolExecutor(2) as pool:
        cctx = CollectContext(aws, ACCOUNT, "aws", (REGION,), False, pool)
        collected = {(s, "global" if s in GLOBAL_SERVICES else REGION):
                     collectors()[s](cctx, "global" if s in GLOBAL_SERVICES else REGION) for s in check.services}
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    return list(check.execute(ScanContext(ACCOUNT, "aws", (REGION,), None, 0, collected)))


def ebs(enabled: bool, key: str | None = None, manager: str | None = None):
    answers = {("ec2", REGION): [("get_ebs_encryption_by_default", {"EbsEncryptionByDefault": enabled}),
                                 ("get_ebs_default_kms_key_id", {"KmsKeyId": key or CUSTOMER_KEY})]}
    if manager:
        answers[("kms", REGION)] = [("describe_key", {"KeyMetadata": {"KeyId": key, "Arn": key,
                                                                       "KeyManager": manager}})]
    return answers


def analyzers(*entries):
    return {("accessanalyzer", REGION): [("list_analyzers", {"analyzers": [
        {"arn": f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/{name}", "name": name, "type": kind,
         "createdAt": "2026-01-01T00:00:00Z", "status": status} for name, kind, status in entries]})]}


def test_every_stubbed_check_is_tested_here():
    assert ACCOUNT_CHECKS == {"ec2_ebs_default_encryption", "accessanalyzer_enabled", "organizations_scp_guardrails"}


@pytest.mark.parametrize("answers, status, message", [
    (ebs(True, CUSTOMER_KEY, "CUSTOMER"), Status.PASS, "customer-managed key"),
    (ebs(True, AWS_KEY, "AWS"), Status.FAIL, "an AWS-managed key"),
])
def test_ebs_default_encryption_stubbed(answers, status, message):
    (result,) = stubbed("ec2_ebs_default_encryption", answers)
    assert result.status is status and message in result.message


def test_ebs_default_encryption_off_fails_against_moto(session):
    (finding,) = run(session, "ec2_ebs_default_encryption", zone=None)
    assert finding.status is Status.FAIL and "off" in finding.message


def test_ebs_default_key_unreadable_is_error_against_moto(session):
    session.client("ec2").enable_ebs_encryption_by_default()
    (finding,) = run(session, "ec2_ebs_default_encryption", zone=None)
    assert finding.status is Status.ERROR and "ec2:GetEbsDefaultKmsKeyId" in finding.message


@pytest.mark.parametrize("entries, status, message", [
    ([("regzone-account", "ACCOUNT", "ACTIVE")], Status.PASS, "regzone-account (ACCOUNT) is active"),
    ([("org", "ORGANIZATION", "ACTIVE")], Status.PASS, "org (ORGANIZATION) is active"),
    ([("unused", "ACCOUNT_UNUSED_ACCESS", "ACTIVE")], Status.FAIL, "unused (ACCOUNT_UNUSED_ACCESS, ACTIVE)"),
    ([("regzone-account", "ACCOUNT", "FAILED")], Status.FAIL, "no active"),
    ([], Status.FAIL, "no active"),
])
def test_access_analyzer_stubbed(entries, status, message):
    (result,) = stubbed("accessanalyzer_enabled", analyzers(*entries))
    assert result.status is status and message in result.message


def test_access_analyzer_is_error_against_moto(session):
    (finding,) = run(session, "accessanalyzer_enabled", zone=None)
    assert finding.status is Status.ERROR and "access-analyzer:ListAnalyzers" in finding.message


UNIT, ROOT, MANAGEMENT = "ou-ab12-eu000001", "r-ab12", "444455556666"
GUARDRAILS = guardrails_document(partition="aws", break_glass_role=BREAK_GLASS)


def scps(*, root=(FULL_AWS_ACCESS,), unit=(region_deny_document([REGION]), GUARDRAILS), management=MANAGEMENT):
    """The organization above the member account ACCOUNT: root, one unit, the account; SCPs per level."""
    calls = [("describe_organization", {"Organization": {"Id": "o-exampleorgid", "MasterAccountId": management}}),
             ("list_parents", {"Parents": [{"Id": UNIT, "Type": "ORGANIZATIONAL_UNIT"}]}),
             ("list_parents", {"Parents": [{"Id": ROOT, "Type": "ROOT"}]})]
    for level, documents in ((ROOT, root), (UNIT, unit), (ACCOUNT, ())):
        ids = [f"p-{level.replace('-', '')[:6]}{i:04d}" for i in range(len(documents))]
        calls.append(("list_policies_for_target", {"Policies": [
            {"Id": pid, "Name": pid, "Type": "SERVICE_CONTROL_POLICY"} for pid in ids]}))
        calls += [("describe_policy", {"Policy": {"PolicySummary": {"Id": pid}, "Content": (
            doc if isinstance(doc, str) else json.dumps(doc))}}) for pid, doc in zip(ids, documents)]
    return {("organizations", "us-east-1"): calls}


def test_the_baseline_scps_above_a_member_account_pass():
    (result,) = stubbed("organizations_scp_guardrails", scps())
    assert result.status is Status.PASS and f"{ROOT} > {UNIT} > {ACCOUNT}" in result.message
    assert f"all but arn:aws:iam::*:role/{BREAK_GLASS}" in result.message


@pytest.mark.parametrize("unit, expected", [
    ((region_deny_document([REGION]),), "cloudtrail:StopLogging on * is not denied"),
    ((GUARDRAILS,), "not denied in a Region the SCPs do not name"),
    ((region_deny_document([REGION, "eu-west-1"]), GUARDRAILS), "not denied in eu-west-1"),
    ((region_deny_document([REGION]), edited(GUARDRAILS, "RAZORG002ProtectKeys", lambda s: s["Condition"]["ArnNotLike"]
                                                .update({"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}))),
     "several principals"),
    ((edited(region_deny_document([REGION]), "RAZORG001", lambda s: s["NotAction"].append("ec2:Describe*")), GUARDRAILS),
     "exempts ec2:Describe*"),
])
def test_weakened_scps_fail(unit, expected):
    (result,) = stubbed("organizations_scp_guardrails", scps(unit=unit))
    assert result.status is Status.FAIL and expected in result.message


def test_the_guardrails_count_at_any_level():
    (result,) = stubbed("organizations_scp_guardrails", scps(root=(FULL_AWS_ACCESS, GUARDRAILS),
                                                             unit=(region_deny_document([REGION]),)))
    assert result.status is Status.PASS


def test_the_management_account_is_an_error_never_a_pass(session):
    """moto's caller creates the organization, so it is its management account, which no SCP restricts."""
    seed_guardrails(session)
    findings = run(session, "organizations_scp_guardrails", zone=None)   # one per control citing the check
    assert {f.control for f in findings} == {"RAZ-ORG-001", "RAZ-ORG-002", "RAZ-ORG-003", "RAZ-ORG-004"}
    assert all(f.status is Status.ERROR and "management account, which no SCP restricts" in f.message
               for f in findings)


def test_a_member_account_that_may_not_read_organizations_is_an_error(session):
    seed_guardrails(session)
    inject(session, "organizations.DescribeOrganization", "access_denied")
    findings = run(session, "organizations_scp_guardrails", zone=None)
    assert findings and all(f.status is Status.ERROR and "organizations:DescribeOrganization" in f.message
                            for f in findings)
