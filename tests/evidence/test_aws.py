"""Fail-closed plumbing: real moto gaps and collector/check crashes become ERRORs naming API and permission."""
from __future__ import annotations

import json

import pytest

from regzone.evidence import runner
from regzone.evidence.aws import Aws, permission_for, strip_account_host_prefix
from regzone.evidence.collectors import collectors
from regzone.evidence.model import ApiError, Status
from tests.evidence.conftest import REGION, inject, run


@pytest.mark.parametrize("service, operation, params, api, reason", [
    # moto raises NotImplementedError in-process for this EC2 call
    ("ec2", "get_instance_metadata_defaults", {}, "ec2:GetInstanceMetadataDefaults", "not implemented"),
    # moto answers EKS gaps with HTTP 404
    ("eks", "list_addons", {"clusterName": "any"}, "eks:ListAddons", "HTTP 404"),
])
def test_real_moto_gaps_become_api_errors(session, service, operation, params, api, reason):
    with pytest.raises(ApiError) as caught:
        Aws(session, max_attempts=1).call(service, REGION, operation, **params)
    assert caught.value.api == api and caught.value.permission == api and reason in caught.value.reason
    assert api in str(caught.value)


def test_get_object_retention_500_is_an_api_error(session):
    session.client("s3").create_bucket(Bucket="retained")
    session.client("s3").put_object(Bucket="retained", Key="k", Body=b"x")
    with pytest.raises(ApiError) as caught:
        Aws(session, max_attempts=1).call("s3", REGION, "get_object_retention", Bucket="retained", Key="k")
    assert caught.value.permission == "s3:GetObjectRetention"


def test_absent_codes_are_answers_and_calls_are_counted(session):
    session.client("s3").create_bucket(Bucket="plain")
    aws = Aws(session)
    assert aws.call("s3", REGION, "get_bucket_policy", Bucket="plain", absent={"NoSuchBucketPolicy": None}) is None
    with pytest.raises(ApiError, match="NoSuchBucketPolicy"):
        aws.call("s3", REGION, "get_bucket_policy", Bucket="plain")
    assert aws.api_calls == 2


def test_permissions_that_differ_from_the_operation():
    assert permission_for("s3", "ListBuckets") == "s3:ListAllMyBuckets"
    assert permission_for("s3control", "GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"
    assert permission_for("logs", "DescribeLogGroups") == "logs:DescribeLogGroups"


class _Request:
    def __init__(self, url):
        self.url = url


@pytest.mark.parametrize("url, expected", [
    ("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock",
     "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"),
    ("https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock",
     "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock"),
])
def test_s3_control_host_prefix_is_stripped_only_for_custom_endpoints(url, expected):
    request = _Request(url)
    strip_account_host_prefix(request)
    assert request.url == expected


def test_a_crashing_collector_is_an_error_for_its_checks(session, monkeypatch):
    def broken(c, region):
        raise KeyError("unexpected answer")
    table = collectors()
    monkeypatch.setattr(runner, "collectors", lambda: {**table, "logs": broken})
    findings = run(session, "logs_log_group_retention", zone=None)
    assert findings and {f.status for f in findings} == {Status.ERROR}
    assert "logs collector" in findings[0].message and "unexpected answer" in findings[0].message


def test_tags_unreadable_under_zone_is_error_not_skip(session):
    session.client("kms").create_key(Tags=[{"TagKey": "zone", "TagValue": "good"}])
    inject(session, "kms.ListResourceTags", "access_denied")
    findings = run(session, "kms_key_rotation_enabled", zone="good")
    assert [f.status for f in findings] and {f.status for f in findings} == {Status.ERROR}
    assert "kms:ListResourceTags" in findings[0].message


def test_iam_policy_covers_every_call_of_a_zone_scan_and_docs_show_it(session):
    from regzone.evidence.checks import iam_policy, load_checks
    from regzone.evidence.runner import RECORD_CHECKS
    from regzone.paths import REPO_ROOT
    from tests.evidence.zone import seed_zone

    seed_zone(session, services=frozenset({s for c in load_checks() for s in c.services}) - {"eks"})
    called: set[str] = set()

    def record(model, **_):
        service = model.service_model.service_name
        if service != "sts":   # GetCallerIdentity needs no permission
            called.add(permission_for(service, model.name))
    session.events.register("before-call", record)
    # The record checks judge only --record (their calls: tests/evidence/test_deployment_record.py).
    run(session, tuple(c.name for c in load_checks() if c.name not in RECORD_CHECKS), zone="good")
    actions = set(iam_policy()["Statement"][0]["Action"])
    assert called and called <= actions, called - actions
    docs = (REPO_ROOT / "docs" / "evidence.md").read_text()
    block = docs.split("<!-- iam-policy -->\n```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == iam_policy(), "docs/evidence.md IAM policy is stale: regzone evidence --print-iam-policy"
