"""The report says what it did not look at, in every format: resources outside the scanned regions
(counted per service and region) and resources a check read and did not judge, with why."""
from __future__ import annotations

import io
import json
from xml.etree import ElementTree as ET  # nosec B405 - parses XML this test just rendered

import pytest

from regzone.evidence.formats import RENDERERS
from regzone.evidence.model import NotJudged, Skipped, Status
from regzone.evidence.runner import Progress, Report, ScanOptions, scan
from tests.evidence.zone import REGION, seed_zone

KEY = "arn:aws:kms:us-east-1:111122223333:key/sign"


@pytest.fixture
def report() -> Report:
    return Report("2026-11-23T15:00:00+00:00", "111122223333", (REGION,), None, 2555, [], {},
                  [Skipped("s3", "bucket", "eu-west-1", 2)],
                  [NotJudged("kms_key_rotation_enabled", KEY, REGION, "ECC_NIST_P256 key: automatic rotation covers "
                                                                      "symmetric encryption keys only")])


def test_json_lists_what_was_not_looked_at(report):
    left_out = json.loads(RENDERERS["json"](report))["not_looked_at"]
    assert left_out["outside_scanned_regions"] == [{"service": "s3", "kind": "bucket", "region": "eu-west-1",
                                                    "count": 2, "reason": "2 bucket(s) in eu-west-1, outside the "
                                                                          "scanned regions"}]
    assert left_out["not_judged"][0]["resource"] == KEY and "symmetric" in left_out["not_judged"][0]["reason"]


def test_markdown_has_a_not_looked_at_section(report):
    text = RENDERERS["markdown"](report)
    section = text.split("## Not looked at", 1)[1]
    assert "s3: 2 bucket(s) in eu-west-1, outside the scanned regions" in section
    assert f"`kms_key_rotation_enabled`: `{KEY}`" in section and "symmetric encryption keys only" in section


def test_markdown_says_when_nothing_was_left_out(report):
    empty = Report(report.generated_at, report.account, report.regions, None, 2555, [], {})
    assert "Nothing: every resource the checks read" in RENDERERS["markdown"](empty)


def test_junit_reports_them_as_skipped_cases(report):
    suites = ET.fromstring(RENDERERS["junit"](report))  # nosec B314 - our own output
    skipped = suites.findall(".//testcase/skipped")
    assert len(skipped) == 2 and suites.get("skipped") == "2" and suites.get("tests") == "2"
    assert {s.get("message") for s in skipped} >= {"2 bucket(s) in eu-west-1, outside the scanned regions"}


def test_ocsf_carries_not_judged_resources_as_unknown(report):
    [event] = json.loads(RENDERERS["ocsf"](report))
    assert event["compliance"]["status_id"] == 0 and event["severity_id"] == 1
    assert event["resources"][0]["uid"] == KEY and "not judged" in event["message"]


def _scan(session, *checks):
    return scan(ScanOptions(regions=(REGION,), checks=checks, max_attempts=1), session, Progress(io.StringIO()))


def test_buckets_outside_the_scanned_regions_are_counted(session):
    seed_zone(session, services={"s3"})
    for name in ("far-one", "far-two"):
        session.client("s3", region_name="eu-west-1").create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    report = _scan(session, "s3_bucket_acls_disabled")
    assert [(s.service, s.kind, s.region, s.count) for s in report.skipped] == [("s3", "bucket", "eu-west-1", 2)]
    assert not [f for f in report.findings if "far-" in f.resource]


def test_trails_homed_outside_the_scanned_regions_are_counted(session):
    session.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="far-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    session.client("cloudtrail", region_name="eu-west-1").create_trail(Name="far", S3BucketName="far-logs",
                                                                       IsMultiRegionTrail=True)
    report = _scan(session, "cloudtrail_log_file_validation")
    assert ("cloudtrail", "trail", "eu-west-1", 1) in [(s.service, s.kind, s.region, s.count) for s in report.skipped]


def test_keys_not_judged_for_rotation_say_why(session):
    seed_zone(session, services={"kms"})
    kms = session.client("kms")
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    doomed = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    report = _scan(session, "kms_key_rotation_enabled")
    reasons = {n.resource: n.reason for n in report.not_judged}
    assert "symmetric encryption keys only" in reasons[signing]
    assert "PendingDeletion" in reasons[doomed["Arn"]]
    assert {f.status for f in report.findings} == {Status.PASS}   # the zone key, judged
