"""KMS policies: a compliant baseline passes; each change of one property fires its policy."""
import json

import pytest

from regzone.preview.analyzer import PolicyPackClient
from analyzer_helpers import configured_pack, resource, violations
from components.kms_policy import key_policy
from regzone_core.policy.catalogue import service_actions

KEY = "aws:kms/key:Key"
DEPLOYER = "arn:aws:iam::111122223333:role/regzone-deployer"
AUTOSCALING = ("arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/"
               "AWSServiceRoleForAutoScaling")


def zone_key_policy(purpose, administrators=("arn:aws:iam::111122223333:role/key-admin",),
                    users=("arn:aws:iam::111122223333:role/workload",)):
    return key_policy(purpose=purpose, zone_name="dev-ai", account_id="111122223333", region="eu-west-1",
                      partition="aws", administrators=list(administrators), users=list(users), deployer=DEPLOYER,
                      autoscaling_role_arn=AUTOSCALING if purpose == "volumes" else None)


POLICY = zone_key_policy("data")
BASELINE = {"enableKeyRotation": True, "deletionWindowInDays": 30, "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "policy": POLICY, "tags": {"purpose": "data"}}
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
      "Action": "kms:*", "Resource": "*"}, "All grants both key administration and use"),
    ({"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt"], "Resource": "*"},
     "Public allows principal * (anonymous callers and any account)"),
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


def _statements(purpose):
    return {s["Sid"]: s for s in json.loads(zone_key_policy(purpose))["Statement"]}


@pytest.mark.parametrize("purpose", ["data", "audit", "artifacts", "secrets", "volumes"])
def test_key_policy_separates_duties_and_limits_grants(purpose):
    statements = _statements(purpose)
    admin = [a.lower() for a in statements["KeyAdministration"]["Action"]]
    assert not any(a.startswith(("kms:create*", "kms:creategrant", "kms:encrypt", "kms:decrypt", "kms:generate"))
                   for a in admin)
    assert not any("put" in a or "schedule" in a for a in statements["KeyUseThroughZoneServices"]["Action"])
    for sid in ("KeyUseThroughZoneServices", "GrantsForAwsResourcesOnly"):
        via = statements[sid]["Condition"]["StringEquals"]["kms:ViaService"]
        assert via and all(v.endswith(".eu-west-1.amazonaws.com") for v in via)


@pytest.mark.parametrize("purpose", ["data", "artifacts", "secrets", "volumes"])
def test_service_principals_only_on_the_audit_key(purpose):
    assert not [s for s in _statements(purpose).values() if "Service" in s["Principal"]]
    audit = [s for s in _statements("audit").values() if "Service" in s["Principal"]]
    assert {"CloudTrailEncryptsAuditLogs", "CloudTrailDescribesKey",
            "CloudWatchLogsEncryptsLogGroups"} <= {s["Sid"] for s in audit}
    assert all(s.get("Condition") for s in audit)


def test_principal_that_both_administers_and_uses_fires(deployer_pack):
    both = "arn:aws:iam::111122223333:role/ops"
    document = zone_key_policy("data", administrators=[both], users=[both, "arn:aws:iam::111122223333:role/workload"])
    found = violations(deployer_pack, "kms-key-policy-separation", key(policy=document))
    assert len(found) == 1 and "role/ops may both administer (" in found[0].message


def test_account_root_in_both_roles_separates_nothing(deployer_pack):
    """The root delegates both duties to IAM, so the key policy separates nothing: reported, as the
    evidence check reports it (tests/policy_documents/cases.py). Failed on the old pack, which let
    the root hold both."""
    root = "arn:aws:iam::111122223333:root"
    document = zone_key_policy("audit", administrators=[root], users=[root])
    found = violations(deployer_pack, "kms-key-policy-separation", key(policy=document, tags={"purpose": "audit"}))
    assert len(found) == 1 and f"{root} may both administer" in found[0].message


SEPARATION = "kms-key-policy-separation"
PURPOSES = ["data", "audit", "artifacts", "secrets", "volumes"]


@pytest.fixture(scope="module")
def deployer_pack():
    """The pack as `regzone pack-config` configures it for a stack: it knows the deployer role."""
    with configured_pack(deployer_role_arn=DEPLOYER) as client:
        yield client


def purpose_key(purpose, document=None):
    return key(policy=document or zone_key_policy(purpose), tags={"purpose": purpose})


@pytest.mark.parametrize("purpose", PURPOSES)
def test_zone_key_policy_of_every_purpose_passes(deployer_pack, purpose):
    """The deployer manages every key and uses the artifacts and secrets keys exactly as AWS does
    as the caller (catalog/key_caller_permissions.yaml): accepted."""
    assert violations(deployer_pack, SEPARATION, purpose_key(purpose)) == []


@pytest.mark.parametrize("purpose", ["artifacts", "secrets"])
def test_deployer_use_is_flagged_when_the_pack_does_not_know_the_deployer(pack, purpose):
    """Fail closed: without deployer_role_arn in the pack config, the deployer is a principal that
    both administers and uses the key."""
    found = violations(pack, SEPARATION, purpose_key(purpose))
    assert len(found) == 1 and "role/regzone-deployer may both administer" in found[0].message


def _with_statement(purpose, sid, change):
    document = json.loads(zone_key_policy(purpose))
    statement = next(s for s in document["Statement"] if s["Sid"] == sid)
    change(statement)
    return json.dumps(document)


def _drop(operator, name):
    def change(statement):
        del statement["Condition"][operator][name]
        if not statement["Condition"][operator]:
            del statement["Condition"][operator]
    return change


def _set(path, value):
    def change(statement):
        node = statement
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


def _if_exists(statement):
    statement["Condition"]["StringEqualsIfExists"] = statement["Condition"].pop("StringEquals")


BROADER_USE = [
    ("secrets", "DeployerThroughSecretsmanager", _drop("StringLike", "kms:EncryptionContext:SecretARN")),
    ("secrets", "DeployerThroughSecretsmanager", _drop("StringEquals", "kms:ViaService")),
    ("secrets", "DeployerThroughSecretsmanager", _drop("StringEquals", "kms:CallerAccount")),
    ("secrets", "DeployerThroughSecretsmanager",
     _set(("Condition", "StringEquals", "kms:ViaService"),
          ["secretsmanager.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"])),
    ("secrets", "DeployerThroughSecretsmanager", _set(("Action",), ["kms:Decrypt", "kms:Encrypt"])),
    ("secrets", "DeployerThroughSecretsmanager", _set(("Action",), ["kms:GenerateDataKey*"])),
    ("secrets", "DeployerThroughSecretsmanager", _if_exists),
    ("secrets", "DeployerThroughEks", _set(("Condition", "StringEquals", "kms:ViaService"), "s3.eu-west-1.amazonaws.com")),
    ("artifacts", "DeployerThroughEcrForAwsResources", _drop("Bool", "kms:GrantIsForAWSResource")),
    ("artifacts", "DeployerThroughEcrForAwsResources", _set(("Condition", "Bool", "kms:GrantIsForAWSResource"), "false")),
]


@pytest.mark.parametrize("purpose, sid, change", BROADER_USE)
def test_deployer_use_broader_than_the_caller_table_fires(deployer_pack, purpose, sid, change):
    found = violations(deployer_pack, SEPARATION, purpose_key(purpose, _with_statement(purpose, sid, change)))
    assert len(found) == 1 and "role/regzone-deployer (the deployer role)" in found[0].message
    assert "key_caller_permissions.yaml" in found[0].message


def test_caller_use_of_another_purpose_fires(deployer_pack):
    """What AWS performs as the caller with a secrets key is no reason to use the data key."""
    secrets = json.loads(zone_key_policy("secrets"))
    through = next(s for s in secrets["Statement"] if s["Sid"] == "DeployerThroughSecretsmanager")
    data = json.loads(zone_key_policy("data"))
    data["Statement"].append(through)
    assert violations(deployer_pack, SEPARATION, purpose_key("data", json.dumps(data)))
    assert violations(deployer_pack, SEPARATION, purpose_key("secrets", json.dumps(secrets))) == []


def test_not_action_allow_is_judged_by_what_it_grants(deployer_pack):
    statement = {"Sid": "AllButDelete", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
                 "NotAction": ["kms:ScheduleKeyDeletion"], "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    messages = [d.message for d in violations(deployer_pack, SEPARATION, key(policy=document))]
    assert any("AllButDelete grants both key administration and use" in m for m in messages)
    assert any("role/app may both administer" in m for m in messages)


def test_not_action_that_leaves_only_use_passes(deployer_pack):
    """NotAction is judged by the actions it grants: here only use, to a key user (the old pack refused
    every NotAction by its shape)."""
    statement = {"Sid": "UseOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
                 "NotAction": sorted(service_actions("kms") - service_actions("kms", "use")), "Resource": "*"}
    document = json.loads(zone_key_policy("data"))
    document["Statement"].append(statement)
    assert violations(deployer_pack, SEPARATION, key(policy=json.dumps(document))) == []
