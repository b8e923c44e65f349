"""A field a check reads that the API answer lacks makes its verdict ERROR, never PASS
(regzone/evidence/model.py Answer); a documented absence is read with absent_means."""
from __future__ import annotations

from regzone.evidence.checks import ScanContext, per_resource
from regzone.evidence.checks.kms_key_rotation_enabled.check import judge as rotation
from regzone.evidence.model import Answer, Inventory, Resource, Status, absent_means

META = {"KeyManager": "CUSTOMER", "KeyState": "Enabled", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS"}


def _judge(meta: dict) -> list:
    key = Resource("arn:aws:kms:us-east-1:123456789012:key/k", "us-east-1",
                   {"metadata": meta, "rotation": True, "tags": {}})
    ctx = ScanContext("123456789012", "aws", ("us-east-1",), None, 365,
                      {("kms", "us-east-1"): Inventory("kms", "us-east-1", {"key": [key]})})
    return list(per_resource(ctx, "kms", "key", rotation))


def test_a_complete_answer_passes():
    assert [r.status for r in _judge(META)] == [Status.PASS]


def test_an_answer_without_a_field_the_verdict_read_is_an_error_naming_it():
    # DescribeKey always returns KeySpec; a stand-in or a changed API that drops it was read as
    # SYMMETRIC_DEFAULT and passed.
    results = _judge({k: v for k, v in META.items() if k != "KeySpec"})
    assert [r.status for r in results] == [Status.ERROR]
    assert "lacks metadata.KeySpec" in results[0].message


def test_a_missing_field_does_not_hide_a_failure():
    key = Resource("k", "us-east-1", {"metadata": {k: v for k, v in META.items() if k != "Origin"}, "rotation": False})
    ctx = ScanContext("1", "aws", ("us-east-1",), None, 365, {("kms", "us-east-1"): Inventory("kms", "us-east-1", {"key": [key]})})
    assert [r.status for r in per_resource(ctx, "kms", "key", rotation)] == [Status.FAIL]


def test_answers_know_their_paths_also_when_set_later():
    resource = Resource("r", "us-east-1")
    resource.data["policy"] = {"Statement": [{"Effect": "Allow"}]}
    assert isinstance(resource.data, Answer) and resource.data["policy"]["Statement"][0].path == "policy.Statement.0"
    assert absent_means(resource.data["policy"], "Version", "2008-10-17", "IAM's default policy language") == "2008-10-17"
