"""The account and organization baseline (baseline/) under mocks, and the zone stacks that build on
it: the baseline owns every account-wide singleton once, the zones create none, and a zone stack
in an account without a (matching) deployed baseline fails at preview saying what to run first."""
from __future__ import annotations

import copy
import json
import subprocess  # nosec B404
import sys

import pytest

from components.account_baseline import audit_bucket_names
from components.account_settings import ANALYZER_NAME
from regzone.config.baseline import load_baseline
from regzone.config.loader import read_stack_file
from regzone.paths import BASELINE_DIR, REPO_ROOT, STACKS_DIR
from regzone.preview.mocks import ZoneMocks
from regzone.preview.recorder import ProgramError, record_program
from regzone.preview.references import baseline_outputs
from regzone_core.policy.guardrails import load_guardrails
from tests.helpers import write_stack

pytestmark = pytest.mark.slow  # records programs under mocks (seconds each)
PROJECT = "regzone-baseline"
ACCOUNT = "111122223333"
AUTOSCALING = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
SINGLETONS = ("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "aws:ebs/encryptionByDefault:EncryptionByDefault",
              "aws:ebs/defaultKmsKey:DefaultKmsKey", "aws:accessanalyzer/analyzer:Analyzer",
              "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
              "aws:ecr/replicationConfiguration:ReplicationConfiguration",
              "aws:iam/serviceLinkedRole:ServiceLinkedRole", "aws:organizations/policy:Policy")


def baseline(stack, config=None, **kwargs):
    return record_program(BASELINE_DIR, stack, config or read_stack_file(BASELINE_DIR / f"Pulumi.{stack}.yaml"),
                          project=PROJECT, **kwargs)


@pytest.fixture(scope="module")
def dev():
    return baseline("dev")


@pytest.fixture(scope="module")
def organization():
    return baseline("organization")


def of_type(recording, token):
    return [r for r in recording.resources if r.type == token]


def test_account_trail_is_multi_region_validated_encrypted_into_a_named_worm_bucket(dev):
    (trail,) = of_type(dev, "aws:cloudtrail/trail:Trail")
    inputs = trail.inputs
    assert inputs["name"] == load_guardrails().account_trail   # the name the guardrail SCP protects
    assert inputs["isMultiRegionTrail"] is True and inputs["includeGlobalServiceEvents"] is True
    assert inputs["enableLogFileValidation"] is True and inputs["enableLogging"] is True
    assert inputs["eventSelectors"][0]["includeManagementEvents"] is True
    assert inputs["kmsKeyId"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/regzone-account-keys-eu-west-1-audit"
    bucket, access_logs = audit_bucket_names(ACCOUNT, "eu-west-1")
    assert inputs["s3BucketName"] == bucket and bucket.startswith(load_guardrails().audit_bucket_prefix)
    names = {b.inputs["bucket"] for b in of_type(dev, "aws:s3/bucket:Bucket")}
    assert names == {bucket, access_logs}
    (lock,) = of_type(dev, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": load_baseline("dev").retention_days}
    assert trail.protect and trail.retain_on_delete and lock.protect and lock.retain_on_delete


def test_the_retention_is_the_longest_of_the_governed_zones():
    assert load_baseline("hipaa").retention_days == 2190   # HIPAA: 6 years
    (lock,) = of_type(baseline("hipaa"), "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"]["days"] == 2190


def test_account_settings_in_every_allowed_region(dev):
    regions = {"eu-west-1", "eu-central-1"}
    (block,) = of_type(dev, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")
    assert all(block.inputs[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                 "restrictPublicBuckets"))
    keys = {k.name: k for k in of_type(dev, "aws:kms/key:Key")}
    for region in regions:
        (encryption,) = [r for r in of_type(dev, "aws:ebs/encryptionByDefault:EncryptionByDefault") if region in r.name]
        (default,) = [r for r in of_type(dev, "aws:ebs/defaultKmsKey:DefaultKmsKey") if region in r.name]
        volumes = keys[f"regzone-account-keys-{region}-volumes"]
        assert encryption.inputs["enabled"] is True and default.urn in encryption.dependencies
        assert default.property_dependencies["keyArn"] == [volumes.urn]
        assert AUTOSCALING in volumes.inputs["policy"]   # Auto Scaling launches default-encrypted volumes
        for resource in (encryption, default, block):
            assert resource.protect and resource.retain_on_delete
    analyzers = of_type(dev, "aws:accessanalyzer/analyzer:Analyzer")
    assert len(analyzers) == len(regions) and all(a.inputs["type"] == "ACCOUNT" for a in analyzers)
    assert all(a.inputs["analyzerName"] == ANALYZER_NAME for a in analyzers)
    # One AccountSettings component holds every account-wide setting.
    assert {r.parent for r in (*analyzers, block)} == {
        "urn:pulumi:dev::regzone-baseline::regzone:account:AccountBaseline$regzone:account:AccountSettings"
        "::regzone-account-settings"}


def test_the_baseline_creates_the_autoscaling_role_the_keys_name(dev):
    (role,) = of_type(dev, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com" and role.protect and role.retain_on_delete
    for key in of_type(dev, "aws:kms/key:Key"):
        if key.name.endswith("-volumes"):
            assert role.urn in key.property_dependencies["policy"]


def test_an_existing_autoscaling_role_is_found_not_created():
    assert not of_type(baseline("hipaa"), "aws:iam/serviceLinkedRole:ServiceLinkedRole")


def test_a_missing_autoscaling_role_fails_naming_the_baseline_key():
    mocks = ZoneMocks("us-east-2", caller_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/regzone-baseline-deployer/ci",
                      absent_principals=frozenset({AUTOSCALING}))
    with pytest.raises(ProgramError) as raised:
        baseline("hipaa", mocks=mocks)
    assert "regzone-baseline:autoscaling_service_linked_role" in str(raised.value)
    assert "create-service-linked-role" in str(raised.value)


def test_baseline_keys_separate_duties_between_checked_principals(dev):
    config = load_baseline("dev").settings
    for key in of_type(dev, "aws:kms/key:Key"):
        statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
        assert statements["KeyAdministration"]["Principal"]["AWS"] == config.key_administrators
        assert statements["KeyUseThroughZoneServices"]["Principal"]["AWS"] == config.key_users


def test_a_missing_key_principal_fails_naming_the_baseline_key():
    user = load_baseline("hipaa").settings.key_users[0]
    mocks = ZoneMocks("us-east-2", caller_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/regzone-baseline-deployer/ci",
                      absent_principals=frozenset({user}))
    with pytest.raises(ProgramError) as raised:
        baseline("hipaa", mocks=mocks)
    assert f"regzone-baseline:key_users[0]: IAM role {user} does not exist" in str(raised.value)


def test_registry_scanning_and_replication_follow_the_zone_stacks():
    pci = baseline("pci")
    scanning = {r.inputs["region"]: r.inputs for r in of_type(pci, SINGLETONS[4])}
    assert set(scanning) == {"us-east-2", "us-west-2"}   # the zone's Region and its replica's
    assert all([f["filter"] for f in s["rules"][0]["repositoryFilters"]] == ["cde-fraud/*"] for s in scanning.values())
    (replication,) = of_type(pci, SINGLETONS[5])
    (rule,) = replication.inputs["replicationConfiguration"]["rules"]
    assert rule["destinations"] == [{"region": "us-west-2", "registryId": ACCOUNT}]


def test_two_zone_stacks_of_one_account_merge_into_one_configuration_per_region(tmp_path, monkeypatch, dev_config):
    """Both zones replicate from eu-west-1: one scanning configuration per Region, one replication
    configuration with a rule per zone (ECR keeps one of each per account and Region)."""
    dev_config["regzone:zones"][0]["registry"]["replication_regions"] = ["eu-central-1"]
    second = copy.deepcopy(dev_config)
    zone = second["regzone:zones"][0]
    zone.update(name="dev-two", vpc_cidr="10.41.0.0/16")
    del zone["cluster"]
    zone["registry"]["pull_role_arns"] = [f"arn:aws:iam::{ACCOUNT}:role/dev-two-workloads"]
    for rule in second["regzone:data_class_policy"].values():
        rule["allowed_zones"] = ["dev-two"]
    write_stack(tmp_path, "dev", dev_config)
    write_stack(tmp_path, "two", second)
    monkeypatch.setattr("regzone.config.baseline.STACKS_DIR", tmp_path)
    config = read_stack_file(BASELINE_DIR / "Pulumi.dev.yaml")
    config["regzone-baseline:zone_stacks"] = ["dev", "two"]
    recording = baseline("dev", config)
    scanning = {r.inputs["region"]: r.inputs for r in of_type(recording, SINGLETONS[4])}
    assert set(scanning) == {"eu-west-1", "eu-central-1"}
    assert all([f["filter"] for f in s["rules"][0]["repositoryFilters"]] == ["dev-ai/*", "dev-two/*"]
               for s in scanning.values())
    (replication,) = of_type(recording, SINGLETONS[5])
    assert [r["repositoryFilters"][0]["filter"] for r in replication.inputs["replicationConfiguration"]["rules"]] == \
        ["dev-ai/", "dev-two/"]


def test_an_organization_trail_replaces_the_account_trail():
    config = read_stack_file(BASELINE_DIR / "Pulumi.dev.yaml")
    named = f"arn:aws:cloudtrail:eu-west-1:444455556666:trail/organization-audit"
    config["regzone-baseline:organization_trail_arn"] = named
    recording = baseline("dev", config)
    assert not of_type(recording, "aws:cloudtrail/trail:Trail") and not of_type(recording, "aws:s3/bucket:Bucket")
    assert recording.outputs["management_trail_arn"] == named


def test_the_baseline_exports_what_the_zones_read(dev):
    outputs = dev.outputs
    assert outputs["account_id"] == ACCOUNT and outputs["allowed_regions"] == ["eu-west-1", "eu-central-1"]
    assert outputs["zone_stacks"] == ["dev"] and outputs["autoscaling_service_linked_role_arn"] == AUTOSCALING
    assert outputs["management_trail_arn"].endswith(f":{ACCOUNT}:trail/regzone-account-audit")


def test_the_organization_baseline_attaches_a_region_deny_per_unit_and_the_guardrails(organization):
    policies = {p.inputs["name"]: p for p in of_type(organization, "aws:organizations/policy:Policy")}
    assert set(policies) == {"regzone-guardrails", "regzone-region-deny-ou-ab12-eu000001",
                             "regzone-region-deny-ou-ab12-us000001"}
    eu = json.loads(policies["regzone-region-deny-ou-ab12-eu000001"].inputs["content"])
    assert eu["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["eu-central-1", "eu-west-1"]
    us = json.loads(policies["regzone-region-deny-ou-ab12-us000001"].inputs["content"])
    assert us["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["us-east-2", "us-west-2"]
    attachments = of_type(organization, "aws:organizations/policyAttachment:PolicyAttachment")
    targets = {(a.inputs["targetId"], a.property_dependencies["policyId"][0]) for a in attachments}
    for unit in ("ou-ab12-eu000001", "ou-ab12-us000001"):
        assert (unit, policies["regzone-guardrails"].urn) in targets
        assert (unit, policies[f"regzone-region-deny-{unit}"].urn) in targets
    assert all(r.protect and r.retain_on_delete for r in [*policies.values(), *attachments])
    assert not [r for r in organization.resources if r.type in SINGLETONS[:7]]


@pytest.mark.parametrize("stack", ["dev", "gdpr-eu", "hipaa", "pci"])
def test_zone_stacks_create_no_account_singleton(stack):
    zone = record_program(STACKS_DIR, stack, read_stack_file(STACKS_DIR / f"Pulumi.{stack}.yaml"))
    assert [r.type for r in zone.resources if r.type in SINGLETONS] == []
    trails = of_type(zone, "aws:cloudtrail/trail:Trail")
    assert trails and all(t.inputs["isMultiRegionTrail"] is False for t in trails)


def test_a_zone_stack_without_a_deployed_baseline_fails_saying_what_to_run():
    with pytest.raises(ProgramError) as raised:
        record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"), stack_outputs={})
    message = str(raised.value)
    assert "organization/regzone-baseline/dev has no output account_id" in message
    assert "`pulumi up -C baseline -s dev`" in message


@pytest.mark.parametrize("change, expected", [
    (lambda o: o.update(account_id="444455556666"), "is the baseline of account 444455556666, but this stack deploys "
                                                    "into account 111122223333"),
    (lambda o: o.update(allowed_regions=["eu-central-1"]), "does not govern eu-west-1"),
    (lambda o: o.update(autoscaling_service_linked_role_arn=None), "zone dev-ai has node groups"),
])
def test_a_baseline_that_does_not_govern_the_zone_stack_fails_at_preview(change, expected):
    outputs = baseline_outputs("dev", "test")
    change(next(iter(outputs.values())))
    with pytest.raises(ProgramError) as raised:
        record_program(STACKS_DIR, "dev", read_stack_file(STACKS_DIR / "Pulumi.dev.yaml"), stack_outputs=outputs)
    assert expected in str(raised.value) and "pulumi up -C baseline" in str(raised.value)


def test_regzone_preview_of_a_zone_without_a_baseline_file_says_what_to_write_and_run(tmp_path, dev_config):
    dev_config["regzone:baseline_stack"] = "nowhere"
    write_stack(tmp_path, "lost", dev_config)
    (tmp_path / "__main__.py").write_text((STACKS_DIR / "__main__.py").read_text())
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "preview", "--program", str(tmp_path), "--stack", "lost"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)  # nosec B603
    assert done.returncode == 2
    assert "account baseline stack file not found" in done.stderr and "pulumi up -C baseline -s nowhere" in done.stderr


@pytest.mark.parametrize("stack", ["dev", "organization"])
def test_regzone_preview_of_the_baseline_is_clean(stack, tmp_path):
    out = tmp_path / f"{stack}.json"
    done = subprocess.run([sys.executable, "-m", "regzone.cli", "preview", "--program", "baseline", "--stack", stack,
                           "--format", "json", "--output", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)  # nosec B603
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["resources"] and all(r["urn"].startswith(f"urn:pulumi:{stack}::regzone-baseline::")
                                       for r in report["resources"])
    assert report["violations"] == []
