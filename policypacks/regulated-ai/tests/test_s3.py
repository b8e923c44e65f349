"""S3 policies over the analyzer protocol: the zone's own bucket configuration passes; one-property
changes fire; deprecated V2 tokens are judged the same; unknowns are reported, not passed."""
import json

import pytest

from analyzer_helpers import resource, stack_violations, violations
from components.audit_bucket import audit_bucket_policy, data_bucket_policy
from regzone.catalog import load_catalog
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET_NAME = "dev-ai-audit-1a2b3c"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET_NAME}"
BUCKET, BUCKET_V2 = "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACL, ACL_V2 = "aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
STRICTEST = max(f.min_audit_retention_days for f in load_catalog().frameworks.values())

SSE_PROPS = {"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": {
    "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}, "bucketKeyEnabled": True}]}
LOCK_PROPS = {"bucket": "b", "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": STRICTEST}}}
PAB_PROPS = {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
             "restrictPublicBuckets": True}
AUDIT_POLICY = audit_bucket_policy(bucket_arn=BUCKET_ARN, kms_key_arn=KEY_ARN, account_id="111122223333",
                                   partition="aws")


def sse(type_token=SSE, **default):
    props = json.loads(json.dumps(SSE_PROPS))
    props["rules"][0]["applyServerSideEncryptionByDefault"].update(default)
    return resource(type_token, props, name="audit-sse")


def lock(type_token=LOCK, **retention):
    props = json.loads(json.dumps(LOCK_PROPS))
    props["rule"]["defaultRetention"].update(retention)
    return resource(type_token, props, name="audit-object-lock", protect=True)


# --- the zone's own configuration passes -------------------------------------------------------

@pytest.mark.parametrize("policy, res", [
    ("s3-encryption-kms-cmk", resource(SSE, SSE_PROPS)),
    ("s3-public-access-block-enabled", resource(PAB, PAB_PROPS)),
    ("s3-acls-disabled", resource(OWNERSHIP, {"bucket": "b", "rule": {"objectOwnership": "BucketOwnerEnforced"}})),
    ("s3-no-public-acl", resource(BUCKET, {"objectLockEnabled": True})),
    ("s3-bucket-policy-no-public-principal", resource(POLICY, {"bucket": "b", "policy": AUDIT_POLICY})),
    ("s3-bucket-policy-tls-only", resource(POLICY, {"bucket": BUCKET_NAME, "policy": AUDIT_POLICY})),
    ("s3-bucket-policy-tls-only", resource(POLICY, {"bucket": BUCKET_NAME, "policy": data_bucket_policy(
        bucket_arn=BUCKET_ARN, kms_key_arn=KEY_ARN)})),
    ("s3-object-lock-compliance-retention", resource(LOCK, LOCK_PROPS)),
    ("s3-object-lock-compliance-retention", resource(LOCK_V2, {**LOCK_PROPS, "rule": {
        "defaultRetention": {"mode": "COMPLIANCE", "years": 7}}})),
])
def test_compliant_configuration_passes(pack: PolicyPackClient, policy, res):
    assert violations(pack, policy, res) == []


# --- encryption --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_token", [SSE, SSE_V2])
@pytest.mark.parametrize("default, expected", [
    ({"sseAlgorithm": "AES256", "kmsMasterKeyId": None}, "'AES256'"),
    ({"kmsMasterKeyId": None}, "without kmsMasterKeyId"),
    ({"kmsMasterKeyId": "alias/aws/s3"}, "AWS managed key"),
    ({"kmsMasterKeyId": "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3"}, "AWS managed key"),
])
def test_sse_not_kms_with_customer_key_fires(pack, type_token, default, expected):
    found = violations(pack, "s3-encryption-kms-cmk", sse(type_token, **default))
    assert len(found) == 1 and expected in found[0].message and "RAZ-S3-001" in found[0].message


def test_sse_without_rules_fires(pack):
    assert violations(pack, "s3-encryption-kms-cmk", resource(SSE, {"bucket": "b", "rules": []}))


def test_inline_bucket_sse_is_judged(pack):
    inline = {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "AES256"}}}}
    found = violations(pack, "s3-encryption-kms-cmk", resource(BUCKET_V2, inline, protect=True))
    assert found and "'AES256'" in found[0].message


def test_unknown_algorithm_is_reported_not_passed(pack):
    found = violations(pack, "s3-encryption-kms-cmk", sse(sseAlgorithm=UNKNOWN))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


# --- public access -----------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
def test_public_access_block_flag_off_fires(pack, flag):
    found = violations(pack, "s3-public-access-block-enabled", resource(PAB, {**PAB_PROPS, flag: False}))
    assert len(found) == 1 and flag in found[0].message


def test_public_access_block_flag_missing_fires(pack):
    props = {k: v for k, v in PAB_PROPS.items() if k != "restrictPublicBuckets"}
    assert violations(pack, "s3-public-access-block-enabled", resource(PAB, props))


@pytest.mark.parametrize("res", [
    resource(ACL, {"bucket": "b", "acl": "public-read"}),
    resource(ACL_V2, {"bucket": "b", "acl": "authenticated-read"}),
    resource(BUCKET, {"acl": "public-read-write"}, protect=True),
    resource(ACL_V2, {"bucket": "b", "accessControlPolicy": {"owner": {"id": "o"}, "grants": [
        {"permission": "READ", "grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}}),
    resource(BUCKET_V2, {"grants": [{"permissions": ["READ"], "type": "Group",
                                     "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}]}, protect=True),
])
def test_public_acl_fires(pack, res):
    assert violations(pack, "s3-no-public-acl", res)


def test_private_acl_passes(pack):
    assert violations(pack, "s3-no-public-acl", resource(ACL_V2, {"bucket": "b", "acl": "private"})) == []


def test_acls_enabled_fires(pack):
    found = violations(pack, "s3-acls-disabled",
                       resource(OWNERSHIP, {"bucket": "b", "rule": {"objectOwnership": "ObjectWriter"}}))
    assert found and "BucketOwnerEnforced" in found[0].message


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
def test_bucket_policy_granting_star_fires(pack, principal):
    document = _policy({"Sid": "Open", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                        "Resource": f"{BUCKET_ARN}/*"})
    found = violations(pack, "s3-bucket-policy-no-public-principal", resource(POLICY, {"bucket": "b", "policy": document}))
    assert len(found) == 1 and "Open" in found[0].message


def test_star_pinned_to_the_organization_passes(pack):
    document = _policy({"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": f"{BUCKET_ARN}/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})
    assert violations(pack, "s3-bucket-policy-no-public-principal",
                      resource(POLICY, {"bucket": "b", "policy": document})) == []


def test_inline_bucket_policy_is_judged(pack):
    document = _policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    assert violations(pack, "s3-bucket-policy-no-public-principal",
                      resource(BUCKET, {"policy": document}, protect=True))


def test_bucket_policy_without_tls_deny_fires(pack):
    document = _policy({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    found = violations(pack, "s3-bucket-policy-tls-only", resource(POLICY, {"bucket": "b", "policy": document}))
    assert found and "insecure transport" in found[0].message


def test_tls_deny_written_for_another_bucket_fires(pack):
    """The Deny must cover the bucket the policy is attached to (and its objects), not any bucket."""
    found = violations(pack, "s3-bucket-policy-tls-only", resource(POLICY, {"bucket": "other", "policy": AUDIT_POLICY}))
    assert found and "insecure transport" in found[0].message


def test_tls_deny_for_an_unknown_bucket_is_reported(pack):
    found = violations(pack, "s3-bucket-policy-tls-only", resource(POLICY, {"bucket": UNKNOWN, "policy": AUDIT_POLICY}))
    assert found and "cannot be verified at preview" in found[0].message and "`bucket`" in found[0].message


def test_unknown_bucket_policy_is_reported(pack):
    found = violations(pack, "s3-bucket-policy-tls-only", resource(POLICY, {"bucket": "b", "policy": UNKNOWN}))
    assert found and "cannot be verified at preview" in found[0].message


# --- WORM --------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_token", [LOCK, LOCK_V2])
def test_governance_mode_fires(pack, type_token):
    found = violations(pack, "s3-object-lock-compliance-retention", lock(type_token, mode="GOVERNANCE"))
    assert len(found) == 1 and "GOVERNANCE" in found[0].message and "RAZ-AUD-001" in found[0].message


@pytest.mark.parametrize("retention", [{"days": STRICTEST - 1}, {"days": None, "years": 6}])
def test_retention_shorter_than_frameworks_fires(pack, retention):
    found = violations(pack, "s3-object-lock-compliance-retention", lock(**retention))
    assert len(found) == 1 and f"at least {STRICTEST} days" in found[0].message


def test_lock_without_default_retention_fires(pack):
    found = violations(pack, "s3-object-lock-compliance-retention", resource(LOCK, {"bucket": "b"}))
    assert found and "no default retention" in found[0].message


def test_unknown_mode_is_reported(pack):
    found = violations(pack, "s3-object-lock-compliance-retention", lock(mode=UNKNOWN))
    assert found and "cannot be verified at preview" in found[0].message


def test_minimum_retention_follows_pack_settings():
    """frameworks narrows the minimum; a zone registry entry decides for the zone named by the provider's tags."""
    config = {"s3-object-lock-compliance-retention": {
        "frameworks": ["PCI-DSS"], "zones": {"fin-ai": {"regions": ["eu-west-1"], "frameworks": ["SOX"]}}}}
    one_year = lock(days=365)
    fin = resource(LOCK, {**LOCK_PROPS, "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}},
                   provider_props={"region": "eu-west-1", "defaultTags": json.dumps({"tags": {"zone": "fin-ai"}})})
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="settings") as client:
        _, policies = client.info()
        client.configure(policies, config)
        assert violations(client, "s3-object-lock-compliance-retention", one_year) == []
        found = violations(client, "s3-object-lock-compliance-retention", fin)
        assert found and "at least 2555 days" in found[0].message


# --- stack level -------------------------------------------------------------------------------

def bucket_set(*, lock_bucket=True, versioning="Enabled", pab=True, encryption=True, v2=False):
    """A bucket and its configuration resources, tied by the `bucket` property dependency."""
    bucket = resource(BUCKET_V2 if v2 else BUCKET, {"objectLockEnabled": lock_bucket}, name="audit", protect=True)
    tie = {"property_dependencies": {"bucket": [bucket.urn]}, "dependencies": (bucket.urn,)}
    resources = [bucket, resource(VERSIONING_V2 if v2 else VERSIONING, {
        "bucket": "audit-1a2b", "versioningConfiguration": {"status": versioning}}, name="audit-versioning", **tie)]
    if lock_bucket:
        resources.append(resource(LOCK, {**LOCK_PROPS, "bucket": "audit-1a2b"}, name="audit-lock", protect=True, **tie))
    if pab:
        resources.append(resource(PAB, {**PAB_PROPS, "bucket": "audit-1a2b"}, name="audit-pab", **tie))
    if encryption:
        resources.append(resource(SSE, {**SSE_PROPS, "bucket": "audit-1a2b"}, name="audit-sse", **tie))
    return resources


@pytest.mark.parametrize("policy", ["s3-locked-bucket-versioning-enabled", "s3-bucket-baseline-configured"])
def test_complete_bucket_passes_stack_policies(pack, policy):
    assert stack_violations(pack, policy, bucket_set()) == []


@pytest.mark.parametrize("v2", [False, True])
@pytest.mark.parametrize("status", ["Suspended", "Disabled"])
def test_versioning_suspended_on_locked_bucket_fires(pack, v2, status):
    found = stack_violations(pack, "s3-locked-bucket-versioning-enabled", bucket_set(versioning=status, v2=v2))
    assert len(found) == 1 and found[0].urn.endswith("::audit-versioning") and status in found[0].message


def test_versioning_suspended_on_unlocked_bucket_is_not_this_policy(pack):
    assert stack_violations(pack, "s3-locked-bucket-versioning-enabled",
                            bucket_set(lock_bucket=False, versioning="Suspended")) == []


@pytest.mark.parametrize("missing, expected", [({"pab": False}, "BucketPublicAccessBlock"),
                                               ({"encryption": False}, "BucketServerSideEncryptionConfiguration")])
def test_bucket_without_baseline_resource_fires(pack, missing, expected):
    found = stack_violations(pack, "s3-bucket-baseline-configured", bucket_set(**missing))
    assert len(found) == 1 and expected in found[0].message and found[0].urn.endswith("::audit")


def test_configuration_tied_by_explicit_bucket_name(pack):
    bucket = resource(BUCKET, {"bucket": "named-bucket"}, name="named", protect=True)
    resources = [bucket, resource(PAB, {**PAB_PROPS, "bucket": "named-bucket"}, name="named-pab"),
                 resource(SSE, {**SSE_PROPS, "bucket": "named-bucket"}, name="named-sse")]
    assert stack_violations(pack, "s3-bucket-baseline-configured", resources) == []


@pytest.mark.parametrize("mode, fires", [("GOVERNANCE", True), ("COMPLIANCE", False)])
def test_deprecated_inline_object_lock_is_judged(pack, mode, fires):
    inline = {"objectLockEnabled": True, "objectLockConfiguration": {
        "objectLockEnabled": "Enabled", "rule": {"defaultRetention": {"mode": mode, "days": STRICTEST}}}}
    found = violations(pack, "s3-object-lock-compliance-retention", resource(BUCKET_V2, inline, protect=True))
    assert bool(found) is fires and all("GOVERNANCE" in d.message for d in found)


def test_bucket_without_inline_lock_is_left_to_its_configuration_resource(pack):
    assert violations(pack, "s3-object-lock-compliance-retention",
                      resource(BUCKET, {"objectLockEnabled": True}, protect=True)) == []
