"""Managed transfers out of the zone (RAZ-EGR-001) over the real pack: DataSync tasks to zone storage pass;
to storage outside AWS, to a bucket of another region or account, or to a location the stack does not create
fire; an unknown destination is reported. Transfer Family connectors always fire."""
import pytest

from analyzer_helpers import configured_pack, stack_violations, violations
from test_egress import ACCOUNT, FOREIGN, SETTINGS, UNKNOWN, in_zone, replica_bucket, urn

POLICY = "datasync-transfer-within-zone"
TASK, S3_LOCATION = "aws:datasync/task:Task", "aws:datasync/s3Location:S3Location"
NFS = "aws:datasync/nfsLocation:NfsLocation"


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def s3_location(bucket_arn="arn:aws:s3:::replica", name="zone-s3"):
    return in_zone(S3_LOCATION, {"s3BucketArn": bucket_arn, "subdirectory": "/",
                                 "s3Config": {"bucketAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ds"}}, name=name)


def task(destination_type, destination_name, **extra):
    return in_zone(TASK, {"sourceLocationArn": UNKNOWN, "destinationLocationArn": UNKNOWN, **extra}, name="copy",
                   property_dependencies={"destinationLocationArn": [urn(destination_type, destination_name)]})


def test_task_to_a_zone_bucket_passes(gate):
    assert stack_violations(gate, POLICY, [replica_bucket(), s3_location(), task(S3_LOCATION, "zone-s3")]) == []


def test_s3_location_on_a_bucket_of_another_region_fires(gate):
    found = stack_violations(gate, POLICY, [replica_bucket("us-east-1"), s3_location(), task(S3_LOCATION, "zone-s3")])
    assert len(found) == 1 and found[0].urn.endswith("::zone-s3") and "us-east-1, outside" in found[0].message


@pytest.mark.parametrize("bucket, fragment", [
    ("arn:aws:s3:::someone-elses-bucket", "which this stack does not create"),
    (f"arn:aws:s3:eu-west-1:{FOREIGN}:accesspoint/ap", f"account {FOREIGN}, outside the zone's account"),
])
def test_s3_location_outside_the_zone_fires(gate, bucket, fragment):
    found = stack_violations(gate, POLICY, [s3_location(bucket)])
    assert len(found) == 1 and fragment in found[0].message


@pytest.mark.parametrize("type_token, props", [
    (NFS, {"serverHostname": "nfs.example.com", "subdirectory": "/x", "onPremConfig": {"agentArns": ["a"]}}),
    ("aws:datasync/locationObjectStorage:LocationObjectStorage", {"serverHostname": "minio.example.com",
                                                                  "bucketName": "b", "agentArns": ["a"]}),
    ("aws:datasync/locationSmb:LocationSmb", {"serverHostname": "smb.example.com", "subdirectory": "/s",
                                              "user": "u", "password": "p", "agentArns": ["a"]}),
    ("aws:datasync/locationHdfs:LocationHdfs", {"nameNodes": [{"hostname": "nn", "port": 8020}], "agentArns": ["a"]}),
    ("aws:datasync/locationAzureBlob:LocationAzureBlob", {"containerUrl": "https://x.blob.core.windows.net/c",
                                                          "authenticationType": "SAS", "agentArns": ["a"]}),
])
def test_task_to_storage_outside_aws_fires(gate, type_token, props):
    found = stack_violations(gate, POLICY, [in_zone(type_token, props, name="outside"), task(type_token, "outside")])
    assert len(found) == 1 and found[0].urn.endswith("::copy") and "storage outside AWS" in found[0].message


def test_task_from_storage_outside_aws_into_the_zone_passes(gate):
    """Ingress is not egress: an external source copied to a zone bucket leaves nothing outside."""
    outside = in_zone(NFS, {"serverHostname": "nfs.example.com", "subdirectory": "/x"}, name="outside")
    resources = [replica_bucket(), s3_location(), outside, task(S3_LOCATION, "zone-s3")]
    assert stack_violations(gate, POLICY, resources) == []


def test_task_to_a_location_the_stack_does_not_create_fires(gate):
    literal = in_zone(TASK, {"sourceLocationArn": UNKNOWN,
                             "destinationLocationArn": f"arn:aws:datasync:eu-west-1:{ACCOUNT}:location/loc-0123"},
                      name="copy")
    found = stack_violations(gate, POLICY, [literal])
    assert len(found) == 1 and "which this stack does not create" in found[0].message


def test_task_with_an_unknown_destination_of_no_location_is_reported(gate):
    unknown = in_zone(TASK, {"sourceLocationArn": UNKNOWN, "destinationLocationArn": UNKNOWN}, name="copy")
    found = stack_violations(gate, POLICY, [unknown])
    assert len(found) == 1 and "`destinationLocationArn` is unknown until deployment" in found[0].message


def test_task_reports_to_a_foreign_bucket_fire(gate):
    report = {"s3Destination": {"s3BucketArn": "arn:aws:s3:::elsewhere", "bucketAccessRoleArn": "r"}}
    found = stack_violations(gate, POLICY, [replica_bucket(), s3_location(),
                                            task(S3_LOCATION, "zone-s3", taskReportConfig=report)])
    assert len(found) == 1 and "writes task reports to" in found[0].message


# ---- Transfer Family connectors -------------------------------------------------------------------

CONNECTOR = "aws:transfer/connector:Connector"


@pytest.mark.parametrize("props, fragment", [
    ({"url": "sftp://partner.example.com", "accessRole": "r", "sftpConfig": {"userSecretId": "s"}},
     "sends files to 'sftp://partner.example.com'"),
    ({"url": "https://as2.example.com", "accessRole": "r", "as2Config": {"localProfileId": "p"}},
     "sends files to 'https://as2.example.com'"),
    ({"url": UNKNOWN, "accessRole": "r", "egressConfig": {"vpcLattice": {"resourceConfigurationArn": UNKNOWN}}},
     "sends files through VPC Lattice"),
])
def test_a_transfer_connector_fires(gate, props, fragment):
    found = violations(gate, "transfer-connector-not-in-zone", in_zone(CONNECTOR, props, name="partner"))
    assert len(found) == 1 and fragment in found[0].message and "outside the zone" in found[0].message


def test_a_transfer_server_is_not_judged_as_a_connector(gate):
    server = in_zone("aws:transfer/server:Server", {"endpointType": "VPC", "url": "https://idp.example.com"},
                     name="srv")
    assert violations(gate, "transfer-connector-not-in-zone", server) == []
