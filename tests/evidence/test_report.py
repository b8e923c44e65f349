"""Reports and the command: formats, exit codes, zone scope, the frameworks' retention, progress."""
from __future__ import annotations

import io
import json
import time
from xml.etree import ElementTree as ET  # nosec B405 - parses XML this test just rendered

import pytest

from regzone.cli import main
from regzone.evidence.formats import RENDERERS
from regzone.evidence.model import Finding, Status
from regzone.evidence.runner import Progress, Report, ScanOptions, scan
from tests.evidence.conftest import REGION, run
from tests.evidence.zone import seed_zone

REQUIREMENTS = {"HIPAA": ["164.312(a)(2)(iv)"], "PCI-DSS": ["3.6.1"]}


@pytest.fixture
def report() -> Report:
    findings = [Finding(control, check, resource, REGION, status, message, "high", REQUIREMENTS)
                for control, check, resource, status, message in (
                    ("RAZ-KMS-001", "kms_key_rotation_enabled", "arn:aws:kms:us-east-1:111122223333:key/a",
                     Status.PASS, "automatic rotation is enabled"),
                    ("RAZ-KMS-001", "kms_key_rotation_enabled", "arn:aws:kms:us-east-1:111122223333:key/b",
                     Status.FAIL, "automatic rotation is disabled"),
                    (None, "logs_log_group_retention", "111122223333/us-east-1/logs", Status.ERROR,
                     "logs:DescribeLogGroups failed (AccessDenied); needs IAM permission logs:DescribeLogGroups"))]
    return Report("2026-11-23T15:00:00+00:00", "111122223333", (REGION,), None, 2555, findings,
                  {"seconds": 1.0, "api_calls": 3, "http_requests": 3})


def test_json_has_the_record_auditors_keep(report):
    data = json.loads(RENDERERS["json"](report))
    assert {"generated_at", "account", "regions", "findings"} <= set(data)
    assert data["summary"] == {"PASS": 1, "FAIL": 1, "ERROR": 1}
    assert set(data["findings"][1]) >= {"control", "check", "resource", "region", "status", "message", "requirements"}
    assert data["findings"][1]["requirements"] == REQUIREMENTS


def test_ocsf_compliance_findings(report):
    events = json.loads(RENDERERS["ocsf"](report))
    assert len(events) == 3 and {e["class_uid"] for e in events} == {2003} and events[0]["type_uid"] == 200301
    assert [e["compliance"]["status_id"] for e in events] == [1, 3, 99]
    assert events[1]["compliance"]["control"] == "RAZ-KMS-001"
    assert "HIPAA 164.312(a)(2)(iv)" in events[1]["compliance"]["requirements"]
    assert events[1]["resources"][0]["uid"].endswith("key/b") and events[1]["cloud"]["account"]["uid"] == "111122223333"


def test_junit_one_testcase_per_finding(report):
    suites = ET.fromstring(RENDERERS["junit"](report))  # nosec B314 - our own output
    cases = suites.findall(".//testcase")
    assert len(cases) == 3 and suites.get("failures") == "1" and suites.get("errors") == "1"
    assert cases[1].find("failure") is not None and cases[2].find("error") is not None
    assert cases[0].find("failure") is None and cases[0].find("error") is None


def test_markdown_counts_per_control_and_lists_failing_resources(report):
    text = RENDERERS["markdown"](report)
    assert "| RAZ-KMS-001 |" in text and "| 1 | 1 | 0 |" in text
    assert "`arn:aws:kms:us-east-1:111122223333:key/b`" in text and "key/a`" not in text
    assert "**ERROR** `logs_log_group_retention`" in text


def test_progress_counts_resources_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    progress = Progress(Tty())
    progress.start(2)
    progress.resource(3)
    progress.service_done()
    progress.finish()
    assert "3 resources collected, 1/2 services done" in progress.stream.getvalue()


def test_progress_prints_a_line_every_interval_when_not_a_terminal():
    """A CI log (stderr a pipe or file) sees a long scan moving."""
    stream = io.StringIO()
    progress = Progress(stream, interval=0.05)
    progress.start(9)
    progress.resource(40)
    time.sleep(0.3)
    progress.resource(2)
    time.sleep(0.3)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 4 and "\r" not in stream.getvalue()
    assert "40 resources collected, 0/9 services done" in lines[0] and "42 resources collected" in lines[-1]


def test_scan_progress_counts_the_resources_collected(session):
    seed_zone(session, "good", services={"kms"})
    seed_zone(session, "other", services={"kms"})
    progress = Progress(io.StringIO())
    scan(ScanOptions(regions=(REGION,), checks=("kms_key_rotation_enabled",)), session, progress)
    assert progress.resources == 2 and progress.services_done == progress.services == 1


def test_zone_narrows_to_its_resources(session):
    seed_zone(session, "good", services={"kms"})
    seed_zone(session, "other", services={"kms"})
    session.client("kms").disable_key_rotation(KeyId=session.client("kms").list_keys()["Keys"][1]["KeyId"])
    assert {f.status for f in run(session, "kms_key_rotation_enabled", zone="good")} == {Status.PASS}
    assert Status.FAIL in {f.status for f in run(session, "kms_key_rotation_enabled", zone=None)}


@pytest.mark.parametrize("frameworks, code", [(["--framework", "PCI-DSS"], 0), (["--framework", "SOX"], 1),
                                              ([], 1), (["--min-retention-days", "300"], 0)])
def test_audit_retention_follows_the_frameworks(session, tmp_path, capsys, frameworks, code):
    seed_zone(session, services={"s3"})     # 365-day COMPLIANCE lock: enough for PCI DSS, not for SOX's 7 years
    out = tmp_path / "report.md"
    assert main(["evidence", "--zone", "good", "--check", "s3_audit_bucket_object_lock_compliance", "--format",
                 "markdown", "--output", str(out), *frameworks]) == code
    assert ("shorter than the required 2555 days" in out.read_text()) is (code == 1)   # default: the strictest


def test_audit_bucket_outside_the_scan_is_an_error(session):
    session.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="central-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    session.client("cloudtrail").create_trail(Name="org-trail", S3BucketName="central-logs", IsMultiRegionTrail=True)
    findings = run(session, "s3_audit_bucket_object_lock_compliance", zone=None)
    assert [(f.status, f.resource) for f in findings] == [(Status.ERROR, "arn:aws:s3:::central-logs")] * len(findings)
    assert findings and "not in the scanned regions" in findings[0].message


def test_usage_errors_exit_2(monkeypatch, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["evidence", "--format", "yaml"])
    assert caught.value.code == 2
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert main(["evidence"]) == 2
    assert "no region" in capsys.readouterr().err
    assert main(["evidence", "--region", REGION, "--check", "no_such_check"]) == 2


def test_ocsf_finding_ids_are_stable_across_runs_and_distinct(report):
    later = Report("2026-11-24T09:30:00+00:00", report.account, report.regions, None, 2555, list(reversed(report.findings)),
                   report.stats)
    first = {e["resources"][0]["uid"]: e["finding_info"]["uid"] for e in json.loads(RENDERERS["ocsf"](report))}
    second = {e["resources"][0]["uid"]: e["finding_info"]["uid"] for e in json.loads(RENDERERS["ocsf"](later))}
    assert first == second and len(set(first.values())) == len(report.findings)
    event = json.loads(RENDERERS["ocsf"](report))[0]
    assert event["metadata"]["product"]["version"][0].isdigit()
