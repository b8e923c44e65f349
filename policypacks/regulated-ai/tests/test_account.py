"""Account-wide settings over the analyzer protocol: an account baseline (it owns the account
public access block) sets EBS encryption by default with a stack key and an external-access
analyzer in every allowed Region; anything less, or a weakened setting, fires."""
import pytest

from analyzer_helpers import resource, stack_violations, violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"
KEY = "aws:kms/key:Key"
REGIONS = ["eu-west-1", "eu-central-1"]
FLAGS = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


@pytest.fixture(scope="module")
def account_pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone-baseline", stack="dev") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: {"allowed_regions": REGIONS} for p in policies})
        yield client


def baseline(regions=REGIONS, *, analyzer_type="ACCOUNT", enabled=True, tie_key=True, pab=True):
    resources = [resource(PAB, FLAGS, name="pab")] if pab else []
    for region in regions:
        key = resource(KEY, {"enableKeyRotation": True}, name=f"volumes-{region}", region=region)
        default = resource(DEFAULT_KEY, {"keyArn": f"arn:aws:kms:{region}:111122223333:key/k"}, name=f"ebs-key-{region}",
                           region=region, property_dependencies={"keyArn": [key.urn]} if tie_key else None)
        resources += [key, default,
                      resource(ENCRYPTION, {"enabled": enabled}, name=f"ebs-{region}", region=region),
                      resource(ANALYZER, {"analyzerName": "regzone-account", "type": analyzer_type},
                               name=f"analyzer-{region}", region=region)]
    return resources


@pytest.mark.parametrize("policy", ["ebs-encryption-by-default-cmk", "access-analyzer-external-access"])
def test_the_account_baseline_passes(account_pack, policy):
    assert stack_violations(account_pack, policy, baseline()) == []


@pytest.mark.parametrize("policy", ["ebs-encryption-by-default-cmk", "access-analyzer-external-access"])
def test_an_allowed_region_without_the_settings_fires(account_pack, policy):
    found = stack_violations(account_pack, policy, baseline(regions=["eu-west-1"]))
    assert found and all("eu-central-1" in d.message for d in found)


@pytest.mark.parametrize("policy", ["ebs-encryption-by-default-cmk", "access-analyzer-external-access"])
def test_a_stack_without_account_settings_is_not_judged(account_pack, policy):
    """A zone stack creates none of the Regional settings and no account public access block."""
    assert stack_violations(account_pack, policy, [resource(KEY, {}, name="zone-key")]) == []


@pytest.mark.parametrize("kwargs, expected", [
    ({"enabled": False}, "switches EBS encryption by default off"),
    ({"tie_key": False}, "a key this stack does not create"),
])
def test_weakened_ebs_default_encryption_fires(account_pack, kwargs, expected):
    found = stack_violations(account_pack, "ebs-encryption-by-default-cmk", baseline(**kwargs))
    assert found and any(expected in d.message for d in found)


def test_ebs_default_encryption_without_a_default_key_fires_in_any_stack(account_pack):
    found = stack_violations(account_pack, "ebs-encryption-by-default-cmk",
                             [resource(ENCRYPTION, {"enabled": True}, name="ebs", region="eu-west-1")])
    assert len(found) == 1 and "no customer-managed default key" in found[0].message


def test_an_unused_access_analyzer_does_not_report_external_access(account_pack):
    found = stack_violations(account_pack, "access-analyzer-external-access",
                             baseline(analyzer_type="ACCOUNT_UNUSED_ACCESS"))
    assert len(found) == len(REGIONS)


def test_account_public_access_block(account_pack):
    assert violations(account_pack, "s3-account-public-access-block", resource(PAB, FLAGS, name="pab")) == []
    found = violations(account_pack, "s3-account-public-access-block",
                       resource(PAB, {**FLAGS, "restrictPublicBuckets": False}, name="pab"))
    assert len(found) == 1 and "restrictPublicBuckets" in found[0].message
    assert violations(account_pack, "s3-account-public-access-block",
                      resource(PAB, {k: v for k, v in FLAGS.items() if k != "ignorePublicAcls"}, name="pab"))
