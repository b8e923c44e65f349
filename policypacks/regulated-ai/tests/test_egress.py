"""Data leaving the zone (RAZ-EGR-001..004) over the real pack: destinations inside the zone's regions
and account pass; another region, another account, a destination the stack does not create, a public
or foreign share each fire."""
import json

import pytest

from analyzer_helpers import configured_pack, resource, stack_violations, violations

ACCOUNT, FOREIGN = "111122223333", "999988887777"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SETTINGS = {
    "allowed_regions": ["eu-west-1", "eu-central-1", "us-east-1"],
    "deployer_role_arn": f"arn:aws:iam::{ACCOUNT}:role/deployer",
    "zones": {"eu-ai": {"regions": ["eu-west-1", "eu-central-1"], "data_classes": ["personal_data"]}},
    "data_class_policy": {"personal_data": {"allowed_zones": ["eu-ai"]}},
}
BUCKET = "aws:s3/bucket:Bucket"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
S3_POLICY, LOGS_POLICY = "s3-replication-within-zone", "cloudwatch-logs-delivery-within-zone"


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def in_zone(type_token, props, *, name, region="eu-west-1", provider=None, **kwargs):
    tags = {"zone": "eu-ai", "data-class": "personal_data"}
    return resource(type_token, props, name=name, provider_props={
        "region": region, "defaultTags": json.dumps({"tags": tags}), **(provider or {})}, **kwargs)


def urn(type_token, name):
    return f"urn:pulumi:test::regzone::{type_token}::{name}"


def replica_bucket(region="eu-central-1", provider=None):
    return in_zone(BUCKET, {"bucket": "replica"}, name="replica", region=region, provider=provider)


def replication(destination, account=None, deps=None):
    dest = {"bucket": destination, **({"account": account} if account else {})}
    return in_zone(REPLICATION, {"bucket": "source", "role": "r", "rules": [{"status": "Enabled", "destination": dest}]},
                   name="repl", property_dependencies={"rules": [urn(BUCKET, "replica")]} if deps else None)


def test_replica_in_the_zone_passes(gate):
    assert stack_violations(gate, S3_POLICY, [replica_bucket(), replication("arn:aws:s3:::replica")]) == []


def test_replica_named_by_an_output_of_a_zone_bucket_passes(gate):
    assert stack_violations(gate, S3_POLICY, [replica_bucket(), replication(UNKNOWN, deps=True)]) == []


def test_replica_in_another_region_fires(gate):
    found = stack_violations(gate, S3_POLICY, [replica_bucket("us-east-1"), replication("arn:aws:s3:::replica")])
    assert len(found) == 1 and "us-east-1, outside the regions allowed for zone 'eu-ai'" in found[0].message


def test_replica_bucket_of_another_account_fires(gate):
    """Through the replica's provider assuming a role in another account, and through destination.account."""
    other = {"assumeRoles": [{"roleArn": f"arn:aws:iam::{FOREIGN}:role/x"}]}
    found = stack_violations(gate, S3_POLICY, [replica_bucket(provider=other), replication("arn:aws:s3:::replica")])
    assert len(found) == 1 and f"account {FOREIGN}, outside the zone's account {ACCOUNT}" in found[0].message
    found = stack_violations(gate, S3_POLICY, [replica_bucket(), replication("arn:aws:s3:::replica", FOREIGN)])
    assert len(found) == 1 and "hands replicas to" in found[0].message


def test_replica_bucket_outside_the_stack_fires(gate):
    found = stack_violations(gate, S3_POLICY, [replication("arn:aws:s3:::someone-elses-bucket")])
    assert len(found) == 1 and "which this stack does not create" in found[0].message


def test_unknown_destination_without_origin_is_reported(gate):
    found = stack_violations(gate, S3_POLICY, [replication(UNKNOWN)])
    assert len(found) == 1 and "unknown until deployment" in found[0].message


@pytest.mark.parametrize("type_token, props", [
    (BUCKET, {"replicationConfiguration": {"role": "r", "rules": [{"status": "Enabled",
                                                                   "destination": {"bucket": "arn:aws:s3:::elsewhere"}}]}}),
    ("aws:s3/bucketV2:BucketV2", {"replicationConfigurations": [{"role": "r", "rules": [
        {"status": "Enabled", "destinations": [{"bucket": "arn:aws:s3:::elsewhere"}]}]}]}),
    ("aws:s3tables/tableBucketReplication:TableBucketReplication", {"role": "r", "rule": {"destinations": [
        {"destinationTableBucketArn": f"arn:aws:s3tables:us-west-2:{ACCOUNT}:bucket/x"}]}}),
    ("aws:s3/inventory:Inventory", {"bucket": "b", "destination": {"bucket": {
        "bucketArn": "arn:aws:s3:::replica", "accountId": FOREIGN, "format": "CSV"}}}),
])
def test_sibling_ways_to_copy_objects_out_fire(gate, type_token, props):
    found = stack_violations(gate, S3_POLICY, [replica_bucket(), in_zone(type_token, props, name="out")])
    assert found and all(d.urn.endswith("::out") for d in found)


def test_ecr_replication_to_another_registry_fires(gate):
    config = resource("aws:ecr/replicationConfiguration:ReplicationConfiguration", {"replicationConfiguration": {
        "rules": [{"destinations": [{"region": "eu-central-1", "registryId": FOREIGN}]}]}})
    found = violations(gate, "ecr-replication-allowed-regions", config)
    assert len(found) == 1 and f"account {FOREIGN}" in found[0].message
    config = resource("aws:ecr/replicationConfiguration:ReplicationConfiguration", {"replicationConfiguration": {
        "rules": [{"destinations": [{"region": "eu-central-1", "registryId": ACCOUNT}]}]}})
    assert violations(gate, "ecr-replication-allowed-regions", config) == []


# ---- logs ---------------------------------------------------------------------------------------

def subscription(destination):
    return in_zone("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
                   {"logGroup": "g", "filterPattern": "", "destinationArn": destination}, name="sub")


def test_subscription_to_a_zone_stream_passes(gate):
    own = f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/logs"
    assert stack_violations(gate, LOGS_POLICY, [subscription(own)]) == []


@pytest.mark.parametrize("destination, fragment", [
    (f"arn:aws:kinesis:eu-west-1:{FOREIGN}:stream/logs", f"account {FOREIGN}"),
    (f"arn:aws:logs:us-west-2:{ACCOUNT}:destination:central", "us-west-2, outside"),
    (f"arn:aws:lambda:eu-west-1:{FOREIGN}:function:ship", f"account {FOREIGN}"),
])
def test_subscription_out_of_the_zone_fires(gate, destination, fragment):
    found = stack_violations(gate, LOGS_POLICY, [subscription(destination)])
    assert len(found) == 1 and fragment in found[0].message


def test_account_wide_subscription_policy_is_judged(gate):
    def policy(kind, destination):
        return in_zone("aws:cloudwatch/logAccountPolicy:LogAccountPolicy", {
            "policyName": "p", "policyType": kind,
            "policyDocument": json.dumps({"DestinationArn": destination, "FilterPattern": ""})}, name="acct")
    foreign = f"arn:aws:firehose:eu-west-1:{FOREIGN}:deliverystream/all"
    found = stack_violations(gate, LOGS_POLICY, [policy("SUBSCRIPTION_FILTER_POLICY", foreign)])
    assert len(found) == 1 and f"account {FOREIGN}" in found[0].message
    assert stack_violations(gate, LOGS_POLICY, [policy("DATA_PROTECTION_POLICY", foreign)]) == []


def test_log_delivery_to_a_bucket_outside_the_stack_fires(gate):
    destination = in_zone("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", {
        "name": "d", "deliveryDestinationConfiguration": {"destinationResourceArn": "arn:aws:s3:::elsewhere"}},
        name="dd")
    found = stack_violations(gate, LOGS_POLICY, [destination])
    assert len(found) == 1 and "does not create" in found[0].message
    destination = in_zone("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", {
        "name": "d", "deliveryDestinationConfiguration": {"destinationResourceArn": "arn:aws:s3:::replica"}},
        name="dd")
    assert stack_violations(gate, LOGS_POLICY, [replica_bucket(), destination]) == []


# ---- KMS grants ---------------------------------------------------------------------------------

def grant(**props):
    return in_zone("aws:kms/grant:Grant", {"keyId": "k", "operations": ["Decrypt"], **props}, name="g")


def test_grant_to_a_zone_role_passes(gate):
    assert violations(gate, "kms-grant-zone-principals", grant(
        granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app", retiringPrincipal=f"arn:aws:iam::{ACCOUNT}:role/ops")) == []


@pytest.mark.parametrize("props", [
    {"granteePrincipal": f"arn:aws:iam::{FOREIGN}:role/app"},
    {"granteePrincipal": FOREIGN},
    {"granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app", "retiringPrincipal": f"arn:aws:iam::{FOREIGN}:root"},
])
def test_grant_to_another_account_fires(gate, props):
    found = violations(gate, "kms-grant-zone-principals", grant(**props))
    assert len(found) == 1 and f"account {FOREIGN}" in found[0].message


def test_grant_without_deployer_cannot_be_verified(pack):
    found = violations(pack, "kms-grant-zone-principals", grant(granteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/app"))
    assert len(found) == 1 and "deployer_role_arn" in found[0].message


def test_unknown_grantee_is_reported(gate):
    found = violations(gate, "kms-grant-zone-principals", grant(granteePrincipal=UNKNOWN))
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message


# ---- snapshots and images -----------------------------------------------------------------------

SHARED = "snapshot-image-not-shared"


@pytest.mark.parametrize("type_token, props", [
    ("aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission", {"snapshotId": "s", "accountId": FOREIGN}),
    ("aws:ec2/amiLaunchPermission:AmiLaunchPermission", {"imageId": "i", "accountId": FOREIGN}),
    ("aws:ec2/amiLaunchPermission:AmiLaunchPermission", {"imageId": "i", "group": "all"}),
    ("aws:ec2/amiLaunchPermission:AmiLaunchPermission",
     {"imageId": "i", "organizationArn": "arn:aws:organizations::111122223333:organization/o-abc"}),
    ("aws:rds/snapshot:Snapshot", {"dbInstanceIdentifier": "db", "dbSnapshotIdentifier": "s", "sharedAccounts": ["all"]}),
    ("aws:rds/clusterSnapshot:ClusterSnapshot",
     {"dbClusterIdentifier": "c", "dbClusterSnapshotIdentifier": "s", "sharedAccounts": [FOREIGN]}),
    ("aws:rds/snapshotCopy:SnapshotCopy",
     {"sourceDbSnapshotIdentifier": "s", "targetDbSnapshotIdentifier": "t", "destinationRegion": "us-east-1"}),
])
def test_sharing_outside_the_zone_fires(gate, type_token, props):
    assert len(violations(gate, SHARED, in_zone(type_token, props, name="share"))) == 1


@pytest.mark.parametrize("type_token, props", [
    ("aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission", {"snapshotId": "s", "accountId": ACCOUNT}),
    ("aws:rds/snapshot:Snapshot", {"dbInstanceIdentifier": "db", "dbSnapshotIdentifier": "s"}),
    ("aws:rds/snapshotCopy:SnapshotCopy",
     {"sourceDbSnapshotIdentifier": "s", "targetDbSnapshotIdentifier": "t", "destinationRegion": "eu-central-1"}),
])
def test_keeping_it_in_the_zone_passes(gate, type_token, props):
    assert violations(gate, SHARED, in_zone(type_token, props, name="keep")) == []


@pytest.mark.parametrize("type_token, good, bad", [
    ("aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess", "block-new-sharing", "unblocked"),
    ("aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess", "block-all-sharing", "unblocked"),
])
def test_block_public_access_settings(gate, type_token, good, bad):
    policy = "image-snapshot-public-sharing-blocked"
    assert violations(gate, policy, in_zone(type_token, {"state": good}, name="bpa")) == []
    assert len(violations(gate, policy, in_zone(type_token, {"state": bad}, name="bpa"))) == 1


# ---- S3 Multi-Region Access Points ----------------------------------------------------------------

MRAP_POLICY = "s3-multi-region-access-point-within-zone"
MRAP = "aws:s3control/multiRegionAccessPoint:MultiRegionAccessPoint"


def mrap(*regions, deps=False):
    return in_zone(MRAP, {"details": {"name": "global", "regions": list(regions)}}, name="mrap",
                   property_dependencies={"details": [urn(BUCKET, "replica")]} if deps else None)


def test_multi_region_access_point_over_zone_buckets_passes(gate):
    assert stack_violations(gate, MRAP_POLICY, [replica_bucket(), mrap({"bucket": "replica"})]) == []
    assert stack_violations(gate, MRAP_POLICY, [replica_bucket(), mrap({"bucket": UNKNOWN}, deps=True)]) == []


@pytest.mark.parametrize("bucket_region, entry, fragment", [
    ("us-east-1", {"bucket": "replica"}, "us-east-1, outside the regions allowed for zone 'eu-ai'"),
    ("eu-central-1", {"bucket": "someone-elses"}, "which this stack does not create"),
    ("eu-central-1", {"bucket": "replica", "bucketAccountId": FOREIGN}, f"account {FOREIGN}, outside"),
    ("eu-central-1", {"bucket": "replica", "region": "ap-southeast-2"}, "routes requests to ap-southeast-2"),
])
def test_multi_region_access_point_outside_the_zone_fires(gate, bucket_region, entry, fragment):
    found = stack_violations(gate, MRAP_POLICY, [replica_bucket(bucket_region), mrap(entry)])
    assert len(found) == 1 and found[0].urn.endswith("::mrap") and fragment in found[0].message


def test_multi_region_access_point_routes_are_judged(gate):
    routes = in_zone("aws:s3control/multiRegionAccessPointRoutes:MultiRegionAccessPointRoutes", {
        "mrap": "arn:aws:s3::111122223333:accesspoint/abc.mrap",
        "routes": [{"bucket": "replica", "region": "us-west-2", "trafficDialPercentage": 100}]}, name="routes")
    found = stack_violations(gate, MRAP_POLICY, [replica_bucket(), routes])
    assert len(found) == 1 and "routes requests to us-west-2" in found[0].message


def test_multi_region_access_point_with_an_unknown_bucket_of_no_origin_is_reported(gate):
    found = stack_violations(gate, MRAP_POLICY, [mrap({"bucket": UNKNOWN})])
    assert len(found) == 1 and "`details.regions.0.bucket` is unknown until deployment" in found[0].message
