"""KMS policies: a compliant baseline passes; each change of one property fires its policy."""
import json

import pytest

from regzone.preview.analyzer import PolicyPackClient
from analyzer_helpers import resource, violations
from components.kms_policy import key_policy

KEY = "aws:kms/key:Key"
POLICY = key_policy(purpose="data", account_id="111122223333", region="eu-west-1", partition="aws",
                    administrators=["arn:aws:iam::111122223333:role/key-admin"],
                    users=["arn:aws:iam::111122223333:role/workload"])
BASELINE = {"enableKeyRotation": True, "deletionWindowInDays": 30, "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "policy": POLICY}
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"


def key(**changes):
    return resource(KEY, {**BASELINE, **changes}, name="zone-data", protect=True)


@pytest.mark.parametrize("policy", ["kms-key-rotation-enabled", "kms-key-deletion-window",
                                    "kms-key-policy-separation", "regulated-resource-protected"])
def test_baseline_key_passes(pack: PolicyPackClient, policy: str):
    assert violations(pack, policy, key()) == []


def test_rotation_off_fires(pack):
    found = violations(pack, "kms-key-rotation-enabled", key(enableKeyRotation=False))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "RAZ-KMS-001" in found[0].message and "does not rotate" in found[0].message


def test_rotation_unset_fires(pack):
    props = {k: v for k, v in BASELINE.items() if k != "enableKeyRotation"}
    assert violations(pack, "kms-key-rotation-enabled", resource(KEY, props))


def test_asymmetric_key_is_exempt_from_rotation(pack):
    assert violations(pack, "kms-key-rotation-enabled",
                      key(enableKeyRotation=False, customerMasterKeySpec="RSA_4096")) == []


def test_unknown_rotation_is_reported_not_passed(pack):
    found = violations(pack, "kms-key-rotation-enabled", key(enableKeyRotation=UNKNOWN_BOOL))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "cannot be verified at preview" in found[0].message


def test_short_deletion_window_fires(pack):
    found = violations(pack, "kms-key-deletion-window", key(deletionWindowInDays=7))
    assert found and "7" in found[0].message


@pytest.mark.parametrize("statement, expected", [
    ({"Sid": "All", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*", "Resource": "*"}, "grants kms:*"),
    ({"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt"], "Resource": "*"},
     "'*' principal"),
    ({"Sid": "Mixed", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
      "Action": ["kms:Decrypt", "kms:PutKeyPolicy"], "Resource": "*"}, "both key administration"),
])
def test_key_policy_separation_fires(pack, statement, expected):
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    found = violations(pack, "kms-key-policy-separation", key(policy=document))
    assert any(expected in d.message for d in found)


def test_missing_key_policy_fires(pack):
    props = {k: v for k, v in BASELINE.items() if k != "policy"}
    assert violations(pack, "kms-key-policy-separation", resource(KEY, props))


def test_unprotected_key_fires(pack):
    found = violations(pack, "regulated-resource-protected", resource(KEY, BASELINE, protect=False))
    assert found and "not protected" in found[0].message


def test_wildcard_that_covers_create_grant_counts_as_use(pack):
    """`kms:Create*` includes kms:CreateGrant: an administrator could grant itself use of the key."""
    statement = {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/key-admin"},
                 "Action": ["kms:Create*", "kms:Put*", "kms:Describe*"], "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    found = violations(pack, "kms-key-policy-separation", key(policy=document))
    assert any("both key administration" in d.message for d in found)


@pytest.mark.parametrize("purpose", ["data", "audit", "artifacts", "secrets", "volumes"])
def test_zone_key_policy_of_every_purpose_passes(pack, purpose):
    document = key_policy(purpose=purpose, account_id="111122223333", region="eu-west-1", partition="aws",
                          administrators=["arn:aws:iam::111122223333:role/key-admin"],
                          users=["arn:aws:iam::111122223333:role/workload"])
    assert violations(pack, "kms-key-policy-separation", key(policy=document)) == []


def _statements(purpose):
    document = key_policy(purpose=purpose, account_id="111122223333", region="eu-west-1", partition="aws",
                          administrators=["arn:aws:iam::111122223333:role/key-admin"],
                          users=["arn:aws:iam::111122223333:role/workload"])
    return {s["Sid"]: s for s in json.loads(document)["Statement"]}


@pytest.mark.parametrize("purpose", ["data", "audit", "artifacts", "secrets", "volumes"])
def test_key_policy_separates_duties_and_limits_grants(purpose):
    statements = _statements(purpose)
    admin = [a.lower() for a in statements["KeyAdministration"]["Action"]]
    assert not any(a.startswith(("kms:create*", "kms:creategrant", "kms:encrypt", "kms:decrypt", "kms:generate"))
                   for a in admin)
    assert not any("put" in a or "schedule" in a for a in statements["KeyUseThroughZoneServices"]["Action"])
    for sid in ("KeyUseThroughZoneServices", "GrantsForAwsResourcesOnly"):
        via = statements[sid]["Condition"]["ForAnyValue:StringEquals"]["kms:ViaService"]
        assert via and all(v.endswith(".eu-west-1.amazonaws.com") for v in via)


@pytest.mark.parametrize("purpose", ["data", "artifacts", "secrets", "volumes"])
def test_service_principals_only_on_the_audit_key(purpose):
    assert not [s for s in _statements(purpose).values() if "Service" in s["Principal"]]
    audit = [s for s in _statements("audit").values() if "Service" in s["Principal"]]
    assert {"CloudTrailEncryptsAuditLogs", "CloudWatchLogsEncryptsLogGroups"} <= {s["Sid"] for s in audit}
    assert all(s.get("Condition") for s in audit)


def test_principal_that_both_administers_and_uses_fires(pack):
    both = "arn:aws:iam::111122223333:role/ops"
    document = key_policy(purpose="data", account_id="111122223333", region="eu-west-1", partition="aws",
                          administrators=[both], users=[both, "arn:aws:iam::111122223333:role/workload"])
    found = violations(pack, "kms-key-policy-separation", key(policy=document))
    assert len(found) == 1 and "role/ops both administer and use" in found[0].message


def test_account_root_in_both_roles_delegates_to_iam(pack):
    root = "arn:aws:iam::111122223333:root"
    document = key_policy(purpose="audit", account_id="111122223333", region="eu-west-1", partition="aws",
                          administrators=[root], users=[root])
    assert violations(pack, "kms-key-policy-separation", key(policy=document)) == []
