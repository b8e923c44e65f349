"""The judgements of the key-duty and data-expiry checks on documents a real account can hold:
wildcards, NotAction, the account root, narrowed or disabled lifecycle rules, declared retention."""
from __future__ import annotations

import importlib
import json

import pytest

from regzone.evidence.model import Resource, Status

duties = importlib.import_module("regzone.evidence.checks.kms_key_policy_duty_separation.check")
expiry = importlib.import_module("regzone.evidence.checks.s3_data_bucket_lifecycle_expiry.check")
ADMIN, USER, ROOT = ("arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:role/user",
                     "arn:aws:iam::111122223333:root")


def allow(principal, actions, key="Action"):
    return {"Effect": "Allow", "Principal": {"AWS": principal}, key: actions, "Resource": "*"}


@pytest.mark.parametrize("statements, conflicted", [
    ([allow(ADMIN, ["kms:Put*", "kms:Disable*"]), allow(USER, ["kms:Decrypt", "kms:GenerateDataKey*"])], []),
    ([allow(ADMIN, "kms:*")], [ADMIN]),
    ([allow(ADMIN, ["kms:PutKeyPolicy"]), allow(ADMIN, ["kms:CreateGrant"])], [ADMIN]),   # a grant hands out use
    ([allow(ADMIN, ["kms:Create*", "kms:ScheduleKeyDeletion"])], [ADMIN]),               # Create* includes CreateGrant
    ([allow(USER, ["kms:Describe*"], key="NotAction")], [USER]),                         # NotAction allows the rest
    ([allow(ROOT, "kms:*")], [ROOT]),                                                    # the default key policy
    ([{"Effect": "Allow", "Principal": "*", "Action": ["KMS:decrypt", "kms:putkeypolicy"], "Resource": "*"}], ["*"]),
    ([{"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:*", "Resource": "*"}], []),
    ([{"Effect": "Deny", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"}], []),
])
def test_duty_conflicts(statements, conflicted):
    found = duties.duty_conflicts({"Statement": statements})
    assert [line.split(" may ")[0] for line in found] == conflicted


def bucket(tags, rules, versioning="Enabled"):
    return Resource("arn:aws:s3:::b", "us-east-1", {"tags": tags, "lifecycle": rules, "versioning": versioning})


WHOLE = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 365},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}
CLASS = {"data-class": "personal_data"}


@pytest.mark.parametrize("tags, rules, versioning, status, fragment", [
    (CLASS, [WHOLE], "Enabled", Status.PASS, "current objects expire after 365 days, noncurrent versions after 30"),
    ({**CLASS, "regzone:retention-days": "365"}, [WHOLE], "Enabled", Status.PASS, "after 365 days"),
    ({**CLASS, "regzone:retention-days": "90"}, [WHOLE], "Enabled", Status.FAIL, "later than the retention of 90"),
    ({**CLASS, "regzone:retention-days": "none"}, [{**WHOLE, "Expiration": None}], "Enabled", Status.PASS,
     "kept until deleted"),
    ({**CLASS, "regzone:retention-days": "forever"}, [WHOLE], "Enabled", Status.FAIL, "neither a number"),
    (CLASS, [], "Disabled", Status.FAIL, "expires current objects"),
    (CLASS, [{**WHOLE, "Status": "Disabled"}], "Enabled", Status.FAIL, "expires current objects"),
    (CLASS, [{**WHOLE, "Filter": {"Prefix": "tmp/"}}], "Enabled", Status.FAIL, "expires current objects"),
    (CLASS, [{**WHOLE, "Filter": {"Tag": {"Key": "a", "Value": "b"}}}], "Enabled", Status.FAIL, "expires current"),
    (CLASS, [{k: v for k, v in WHOLE.items() if k != "Filter"}], "Enabled", Status.PASS, "after 365 days"),
    (CLASS, [{**WHOLE, "NoncurrentVersionExpiration": None}], "Enabled", Status.FAIL, "noncurrent versions"),
    (CLASS, [{**WHOLE, "NoncurrentVersionExpiration": None}], "Disabled", Status.PASS, "after 365 days"),
])
def test_data_expiry(tags, rules, versioning, status, fragment):
    verdict = expiry.judge(bucket(tags, rules, versioning), None)
    assert verdict[0] is status and fragment in verdict[1], verdict


@pytest.mark.parametrize("tags", [{}, {"data-class": "none"}, {**CLASS, "regzone:audit": "true"}])
def test_buckets_without_a_data_class_or_holding_audit_evidence_are_not_judged(tags):
    assert expiry.judge(bucket(tags, []), None) is None


DEPLOYER = "arn:aws:iam::111122223333:role/regzone-deployer"


def zone_key(purpose):
    """A key as the zone builds it (components/kms_policy.py), read back from the account."""
    from components.kms_policy import key_policy
    document = json.loads(key_policy(purpose=purpose, zone_name="z", account_id="111122223333", region="eu-west-1",
                                     partition="aws", administrators=[ADMIN], users=[USER], deployer=DEPLOYER))
    return Resource("arn:aws:kms:eu-west-1:111122223333:key/k", "eu-west-1",
                    {"metadata": {"KeyManager": "CUSTOMER"}, "policy": document, "tags": {"purpose": purpose}})


class _Ctx:
    def __init__(self, deployer):
        self.deployer_role_arn = deployer


@pytest.mark.parametrize("purpose", ["secrets", "artifacts"])
def test_deployer_caller_use_is_a_conflict_only_when_the_deployer_is_not_named(purpose):
    """The zone keys let the deployer manage them and use them only as AWS does as the caller; the
    preview accepts that for the configured deployer, and so does the evidence once it is named."""
    status, message = duties.judge(zone_key(purpose), _Ctx(None))
    assert status is Status.FAIL and message.startswith(f"{DEPLOYER} may both administer")
    assert duties.judge(zone_key(purpose), _Ctx(DEPLOYER))[0] is Status.PASS


def test_deployer_use_beyond_the_caller_table_still_fails():
    key = zone_key("secrets")
    key.data["policy"]["Statement"].append(allow(DEPLOYER, ["kms:Decrypt"]))
    status, message = duties.judge(key, _Ctx(DEPLOYER))
    assert status is Status.FAIL and DEPLOYER in message


def test_deployer_role_arn_must_be_a_role(capsys):
    from regzone.cli import main
    assert main(["evidence", "--region", "eu-west-1", "--deployer-role-arn", "arn:aws:iam::111122223333:user/x"]) == 2
    assert "--deployer-role-arn" in capsys.readouterr().err


def record_key(purpose):
    """The zone's record-signing key as the zone builds it, read back from the account."""
    from components.kms_policy import record_signing_key_policy
    document = json.loads(record_signing_key_policy(account_id="111122223333", partition="aws", administrators=[ADMIN],
                                                    deployer=DEPLOYER))
    return Resource("arn:aws:kms:eu-west-1:111122223333:key/r", "eu-west-1",
                    {"metadata": {"KeyManager": "CUSTOMER"}, "policy": document, "tags": {"purpose": purpose}})


def test_deployer_signing_records_is_no_conflict_on_the_record_key_only():
    """The deployer manages the record-signing key and signs with it (as the preview accepts); the same
    statement on a key of another purpose is the deployer using a key it manages."""
    assert duties.judge(record_key("deployment-records"), _Ctx(DEPLOYER))[0] is Status.PASS
    status, message = duties.judge(record_key("audit"), _Ctx(DEPLOYER))
    assert status is Status.FAIL and message.startswith(f"{DEPLOYER} may both administer") and "kms:Sign" in message
    assert duties.judge(record_key("deployment-records"), _Ctx(None))[0] is Status.FAIL
