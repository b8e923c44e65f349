"""Managed transfers out of the zone (control RAZ-EGR-001): DataSync tasks copy only to locations in the
zone's regions and account, and Transfer Family connectors, which send files to a server outside AWS,
are not used in a zone (regulated_ai/boundary.py judges the destinations).
"""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.boundary import destination_problems, findings_per_source
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.egress import destination_origins
from regulated_ai.types import DATASYNC_EXTERNAL_LOCATIONS, DATASYNC_S3_LOCATION, DATASYNC_TASK, TRANSFER_CONNECTOR
from regulated_ai.values import is_unknown, unverifiable

# DataSync location type -> the input naming the AWS storage it reads and writes (pulumi-aws 7.51.1 inputs).
AWS_STORAGE_LOCATIONS = {
    DATASYNC_S3_LOCATION: "s3BucketArn",
    "aws:datasync/efsLocation:EfsLocation": "efsFileSystemArn",
    "aws:datasync/locationFsxLustre:LocationFsxLustre": "fsxFilesystemArn",
    "aws:datasync/locationFsxWindows:LocationFsxWindows": "fsxFilesystemArn",
    "aws:datasync/fsxOpenZfsFileSystem:FsxOpenZfsFileSystem": "fsxFilesystemArn",
    "aws:datasync/locationFsxOntapFileSystem:LocationFsxOntapFileSystem": "storageVirtualMachineArn",
}
# What names the external server of each location outside AWS (for the message only).
_EXTERNAL_ENDPOINT = {"aws:datasync/locationAzureBlob:LocationAzureBlob": "containerUrl",
                      "aws:datasync/locationHdfs:LocationHdfs": "nameNodes"}
LOCATIONS = frozenset({*AWS_STORAGE_LOCATIONS, *DATASYNC_EXTERNAL_LOCATIONS})


def _storage_problems(stack: StackView, location: ResourceView) -> Iterator[str]:
    """Where the AWS storage of an S3, EFS or FSx location lies, judged like a replica destination."""
    path = AWS_STORAGE_LOCATIONS[location.type]
    value = location.get(path)
    origins = destination_origins(stack, location, path, value)
    yield from destination_problems(location, path, value, origins, "points at", stack.settings)


def _task_problems(stack: StackView, task: ResourceView) -> Iterator[str]:
    # CreateTask: "A task always transfers data from the source location to the destination location"
    # (AWS DataSync API Reference, CreateTask); the destination is where the zone's data goes.
    value = task.get("destinationLocationArn")
    label = f"'{task.name}' ({task.type})"
    if not is_unknown(value):
        # A location ARN (arn:aws:datasync:region:account:location/loc-...) says neither what storage it is
        # nor where that storage lies.
        yield (f"{label} copies data to location {value!r:.100} (`destinationLocationArn`), which this stack does "
               "not create, so what storage it is and where it lies cannot be verified; create the location in "
               "the zone's stack")
        return
    locations = [r for r in task.property_dependencies.get("destinationLocationArn", []) if r.type in LOCATIONS]
    if not locations:
        raise unverifiable(value, "destinationLocationArn")
    for location in locations:
        if location.type in DATASYNC_EXTERNAL_LOCATIONS:
            endpoint = location.reference(_EXTERNAL_ENDPOINT.get(location.type, "serverHostname"))
            yield (f"{label} copies data to '{location.name}' ({location.type}, {endpoint!r:.80}), storage outside "
                   "AWS and so outside the zone's regions and account")
    report = task.get("taskReportConfig.s3Destination.s3BucketArn")
    if report is not None:   # task reports list every file transferred, skipped or deleted, by path
        origins = destination_origins(stack, task, "taskReportConfig", report)
        yield from destination_problems(task, "taskReportConfig.s3Destination.s3BucketArn", report, origins,
                                        "writes task reports to", stack.settings)


@stack_policy(
    "datasync-transfer-within-zone",
    description="DataSync tasks copy data only to S3, EFS or FSx locations in the zone's regions and account, "
                "never to storage outside AWS (object storage, SMB, NFS, HDFS, Azure Blob); S3, EFS and FSx "
                "locations point only at storage of the zone.",
    controls=["RAZ-EGR-001"], types=[DATASYNC_TASK, *sorted(LOCATIONS)])
def datasync_transfer_within_zone(stack: StackView) -> Iterator[tuple[str, str]]:
    yield from findings_per_source(
        [*stack.of_type(*AWS_STORAGE_LOCATIONS), *stack.of_type(DATASYNC_TASK)],
        lambda s: (_task_problems if s.type == DATASYNC_TASK else _storage_problems)(stack, s), "where it copies data")


@resource_policy(
    "transfer-connector-not-in-zone",
    description="No Transfer Family connector: each sends files to (and reads from) one SFTP or AS2 server that "
                "the zone does not run, outside its regions and account.",
    controls=["RAZ-EGR-001"], types=[TRANSFER_CONNECTOR])
def transfer_connector_not_in_zone(connector: ResourceView) -> Iterator[str]:
    # CreateConnector: "For AS2, the connector is required for sending files to an externally hosted AS2
    # server. For SFTP, the connector is required when sending files to an SFTP server or receiving files
    # from an SFTP server" (AWS Transfer Family API Reference); StartFileTransfer SendFilePaths copies S3
    # objects to it. A VPC Lattice egress (egressConfig) reaches a server through a resource configuration
    # whose target the pack cannot see either, so every connector is a way out.
    url = connector.reference("url")
    route = " through VPC Lattice" if connector.reference("egressConfig") else ""
    yield (f"'{connector.name}' ({connector.type}) sends files{route} to {url!r:.100}, a server outside the zone "
           "whose region and account cannot be verified; exchange files through a reviewed transfer outside the "
           "zone, or an S3 bucket of the zone the partner reads under its own controls.")
