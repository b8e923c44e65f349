"""Log groups that hold audit records (a trail's CloudWatch Logs copy, a flow log's destination) keep
them for the frameworks' audit retention, not just any retention."""
from __future__ import annotations

import pytest

from regzone.cli import main
from regzone.evidence.model import Status
from tests.evidence.conftest import inject, run
from tests.evidence.zone import REGION

CHECK = "logs_log_group_retention"
ROLE = "arn:aws:iam::123456789012:role/delivery"


def _group(session, name, days):
    logs = session.client("logs")
    logs.create_log_group(logGroupName=name, tags={"zone": "good"})
    logs.put_retention_policy(logGroupName=name, retentionInDays=days)
    return f"arn:aws:logs:{REGION}:123456789012:log-group:{name}"


def _trail_copy(session, zone, days):
    arn = _group(session, "/good/trail-copy", days)
    session.client("cloudtrail").create_trail(Name="good-copy", S3BucketName=zone["audit_bucket"],
                                              CloudWatchLogsLogGroupArn=f"{arn}:*", CloudWatchLogsRoleArn=ROLE)
    return "/good/trail-copy"


def _flow_log_copy(session, zone, days):
    _group(session, "/good/flow-copy", days)
    session.client("ec2").create_flow_logs(ResourceIds=[zone["vpc"]], ResourceType="VPC", TrafficType="ALL",
                                           LogDestinationType="cloud-watch-logs", LogGroupName="/good/flow-copy",
                                           DeliverLogsPermissionArn=ROLE)
    return "/good/flow-copy"


@pytest.mark.parametrize("check", [CHECK])
@pytest.mark.parametrize("deliver", [_trail_copy, _flow_log_copy])
@pytest.mark.parametrize("days, required, status", [(400, 365, Status.PASS), (400, 2555, Status.FAIL),
                                                    (3653, 2555, Status.PASS), (30, 0, Status.PASS)])
def test_audit_log_groups_keep_the_audit_retention(session, zone, check, deliver, days, required, status):
    name = deliver(session, zone, days)
    findings = [f for f in run(session, check, min_retention_days=required) if f.resource.endswith(name)]
    assert findings and {f.status for f in findings} == {status}, [f.message for f in findings]
    assert "audit log group" in findings[0].message
    if status is Status.FAIL:
        assert f"shorter than the required {required} days" in findings[0].message


@pytest.mark.parametrize("check", [CHECK])
def test_other_log_groups_need_only_a_retention(session, zone, check):
    _group(session, "/good/app", 30)
    findings = [f for f in run(session, check, min_retention_days=2555) if f.resource.endswith("/good/app")]
    assert findings and {f.status for f in findings} == {Status.PASS}


@pytest.mark.parametrize("check", [CHECK])
def test_unknown_audit_destinations_are_an_error(session, zone, check):
    inject(session, "cloudtrail.DescribeTrails", "access_denied")
    errors = [f for f in run(session, check) if f.status is Status.ERROR]
    assert errors and "cannot tell which log groups receive audit records" in errors[0].message


@pytest.mark.parametrize("check", [CHECK])
def test_the_framework_sets_the_audit_retention(session, zone, check, tmp_path):
    _trail_copy(session, zone, 400)     # enough for PCI DSS (365 days), not for SOX (2555)
    out = tmp_path / "report.json"
    assert main(["evidence", "--zone", "good", "--region", REGION, "--check", check, "--framework", "PCI-DSS",
                 "--output", str(out)]) == 0
    assert main(["evidence", "--zone", "good", "--region", REGION, "--check", check, "--framework", "SOX",
                 "--output", str(out)]) == 1
    assert "shorter than the required 2555 days" in out.read_text()
