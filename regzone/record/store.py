"""Signing, writing, finding, reading and verifying records in a zone's audit bucket.

Key layout: `deployment-records/<project>/<stack>/<UTC time %Y%m%dT%H%M%SZ>-<run id>.json`, so that
the keys of one stack sort by deployment time (`latest`). Each object is written with SSE-KMS under
the zone's audit key (the audit bucket's policy denies uploads naming another key,
components/audit_bucket.py) and a COMPLIANCE-mode Object Lock retention of the zone's audit
retention from the time of writing (S3 user guide, "Locking objects with Object Lock": no user,
the root user included, can delete a COMPLIANCE-locked version or shorten its retention).

The signature: KMS `Sign` with the zone's record-signing key (ECC_NIST_P256, ECDSA_SHA_256) over
the SHA-256 digest of the record's manifest (MessageType DIGEST: KMS signs the 32-byte digest
as given; AWS KMS API reference, Sign). `Verify` answers KMSInvalidSignatureException for a
signature that does not verify (AWS KMS API reference, Verify); both that and a false
SignatureValid are a failed verification.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from regzone.record import signing
from regzone.record.document import FORMAT, canonical, field_digests, manifest, manifest_digest, sha256

PREFIX = "deployment-records"
LOCK_MODE = "COMPLIANCE"


class RecordError(Exception):
    """A record could not be written or read; the message names the call and what it needs."""


def record_key(project: str, stack: str, event_time: datetime, run_id: str) -> str:
    return f"{PREFIX}/{project}/{stack}/{event_time.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{run_id}.json"


def stack_prefix(project: str, stack: str) -> str:
    return f"{PREFIX}/{project}/{stack}/"


def parse_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:] or uri.endswith("/"):
        raise RecordError(f"{uri!r} is not an S3 object URI (s3://BUCKET/KEY)")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def _region_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _call(client: Any, operation: str, permission: str, **kwargs: Any) -> Any:
    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as err:
        error = err.response.get("Error", {})
        raise RecordError(f"{operation} failed ({error.get('Code')}: {error.get('Message')}); "
                          f"needs IAM permission {permission}") from None
    except BotoCoreError as err:
        raise RecordError(f"{operation} failed ({err})") from None


def _s3(session: boto3.Session, bucket: str) -> Any:
    location = _call(session.client("s3"), "get_bucket_location", "s3:GetBucketLocation", Bucket=bucket)
    region = location.get("LocationConstraint") or "us-east-1"
    return session.client("s3", region_name="eu-west-1" if region == "EU" else region)


def sign(session: boto3.Session, key_arn: str, manifest_: dict[str, Any]) -> dict[str, str]:
    kms = session.client("kms", region_name=_region_of(key_arn))
    answer = _call(kms, "sign", "kms:Sign", KeyId=key_arn, Message=manifest_digest(manifest_),
                   MessageType=signing.MESSAGE_TYPE, SigningAlgorithm=signing.ALGORITHM)
    return {"keyId": answer.get("KeyId", key_arn), "algorithm": signing.ALGORITHM,
            "messageType": signing.MESSAGE_TYPE, "value": base64.b64encode(answer["Signature"]).decode()}


def envelope(event: dict[str, Any], signature: dict[str, str] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"format": FORMAT, "event": event, "manifest": manifest(event)}
    if signature is not None:
        document["signature"] = signature
    return document


def write(session: boto3.Session, *, bucket: str, key: str, audit_key: str, document: dict[str, Any],
          retention_days: int, now: datetime | None = None) -> str:
    """Put the record under a COMPLIANCE lock and read the lock back; returns the s3:// URI."""
    s3 = _s3(session, bucket)
    until = (now or datetime.now(timezone.utc)) + timedelta(days=retention_days)
    # S3 refuses a PutObject with Object Lock parameters that carries neither Content-MD5 nor
    # x-amz-sdk-checksum-algorithm (Amazon S3 API reference, PutObject, "Content-MD5"). botocore
    # 1.36+ adds a CRC32 checksum by default (request_checksum_calculation "when_supported"), but a
    # profile or AWS_REQUEST_CHECKSUM_CALCULATION=when_required turns that off: name one explicitly.
    _call(s3, "put_object", "s3:PutObject, s3:PutObjectRetention, kms:GenerateDataKey on the audit key",
          Bucket=bucket, Key=key, Body=json.dumps(document, indent=1, sort_keys=True).encode(),
          ContentType="application/json", ServerSideEncryption="aws:kms", SSEKMSKeyId=audit_key,
          ObjectLockMode=LOCK_MODE, ObjectLockRetainUntilDate=until, ChecksumAlgorithm="SHA256")
    head = _call(s3, "head_object", "s3:GetObject, s3:GetObjectRetention", Bucket=bucket, Key=key)
    problems = lock_problems(head, until - timedelta(seconds=1))
    if problems:
        raise RecordError(f"s3://{bucket}/{key} was written but is not locked as required: {'; '.join(problems)}")
    return f"s3://{bucket}/{key}"


def audit_bucket(session: boto3.Session, zone: str) -> str:
    """The zone's audit bucket: the one tagged zone=<zone> and audit=true (components/audit_bucket.py)."""
    from regzone.tags import AUDIT_TRUE, TAG_AUDIT, TAG_ZONE

    s3 = session.client("s3")
    found = []
    for bucket in _call(s3, "list_buckets", "s3:ListAllMyBuckets").get("Buckets", []):
        try:
            tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket["Name"]).get("TagSet", [])}
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "NoSuchTagSet":
                continue
            raise RecordError(f"get_bucket_tagging {bucket['Name']} failed ({err}); needs IAM permission "
                              "s3:GetBucketTagging") from None
        if tags.get(TAG_ZONE) == zone and tags.get(TAG_AUDIT) == AUDIT_TRUE:
            found.append(bucket["Name"])
    if len(found) != 1:
        raise RecordError(f"zone {zone} has {len(found)} audit buckets (tagged {TAG_ZONE}={zone}, "
                          f"{TAG_AUDIT}={AUDIT_TRUE}){': ' + ', '.join(found) if found else ''}; name the record "
                          "with --record s3://BUCKET/KEY")
    return found[0]


def record_uris(session: boto3.Session, bucket: str, project: str, stack: str) -> list[str]:
    """The URIs of the stack's records in `bucket`, newest first (keys sort by deployment time)."""
    s3 = _s3(session, bucket)
    keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=stack_prefix(project, stack)) for item in page.get("Contents", [])]
    return [f"s3://{bucket}/{key}" for key in sorted(keys, reverse=True)]


def latest(session: boto3.Session, bucket: str, project: str, stack: str) -> str:
    """The URI of the stack's newest record in `bucket`."""
    uris = record_uris(session, bucket, project, stack)
    if not uris:
        raise RecordError(f"no record of stack {stack} (project {project}) in s3://{bucket}/{stack_prefix(project, stack)}")
    return uris[0]


def lock_problems(head: dict[str, Any], required_until: datetime) -> list[str]:
    problems = []
    mode = head.get("ObjectLockMode")
    if mode != LOCK_MODE:
        problems.append(f"lock.mode is {mode or 'absent'}, not {LOCK_MODE}")
    until = head.get("ObjectLockRetainUntilDate")
    if until is None:
        problems.append("lock.retainUntil is absent")
    elif until < required_until:
        problems.append(f"lock.retainUntil is {until.isoformat()}, before {required_until.isoformat()} "
                        "(record time plus the zone's audit retention)")
    return problems


@dataclass
class Verification:
    uri: str
    document: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.problems

    @property
    def event(self) -> dict[str, Any]:
        return (self.document or {}).get("event") or {}

    def facet(self, name: str) -> dict[str, Any]:
        return ((self.event.get("run") or {}).get("facets") or {}).get(name) or {}


def content_problems(document: dict[str, Any]) -> list[str]:
    """Fields whose digests differ from the manifest, and an event digest that does not match."""
    event, recorded = document.get("event"), document.get("manifest")
    if not isinstance(event, dict) or not isinstance(recorded, dict) or not isinstance(recorded.get("fields"), dict):
        return ["the document has no `event` and `manifest`: not a deployment record"]
    expected, actual = recorded["fields"], field_digests(event)
    problems = [f"field {path} does not match its digest (changed)"
                for path in sorted(expected.keys() & actual.keys()) if expected[path] != actual[path]]
    problems += [f"field {path} is not in the signed manifest (added)" for path in sorted(actual.keys() - expected.keys())]
    problems += [f"field {path} is missing (removed)" for path in sorted(expected.keys() - actual.keys())]
    if recorded.get("event") != sha256(canonical(event)):
        problems.append("event: its SHA-256 does not match the manifest")
    return problems


def _signature_problems(session: boto3.Session, document: dict[str, Any], zone: str) -> list[str]:
    signature = document.get("signature")
    if not isinstance(signature, dict) or not signature.get("value") or not signature.get("keyId"):
        return ["signature is missing"]
    key_arn = str(signature["keyId"])
    kms = session.client("kms", region_name=_region_of(key_arn))
    problems = []
    zone_key = _call(kms, "describe_key", "kms:DescribeKey",
                     KeyId=signing.ALIAS.format(zone=zone))["KeyMetadata"]["Arn"]
    if zone_key != key_arn:
        problems.append(f"signature.keyId is {key_arn}, not the zone's record-signing key {zone_key} "
                        f"({signing.ALIAS.format(zone=zone)})")
    try:
        valid = kms.verify(KeyId=zone_key, Message=manifest_digest(document["manifest"]),
                           MessageType=signing.MESSAGE_TYPE, Signature=base64.b64decode(signature["value"]),
                           SigningAlgorithm=signing.ALGORITHM).get("SignatureValid") is True
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "KMSInvalidSignatureException":
            raise RecordError(f"verify failed ({err}); needs IAM permission kms:Verify") from None
        valid = False
    except ValueError:
        valid = False
    if not valid:
        problems.append(f"signature does not verify with {zone_key}: the manifest was changed or signed by another key")
    return problems


def verify(session: boto3.Session, uri: str) -> Verification:
    """Digest, per-field digests, signature (by the zone's record-signing key) and the object's lock."""
    bucket, key = parse_uri(uri)
    s3 = _s3(session, bucket)
    answer = _call(s3, "get_object", "s3:GetObject and kms:Decrypt on the audit key", Bucket=bucket, Key=key)
    verification = Verification(uri)
    try:
        verification.document = json.loads(answer["Body"].read())
    except ValueError as err:
        verification.problems.append(f"the object is not JSON ({err})")
        return verification
    document = verification.document
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        verification.problems.append(f"format is {document.get('format') if isinstance(document, dict) else None!r}, "
                                     f"not {FORMAT}: not a deployment record of this version")
        return verification
    verification.problems += content_problems(document)
    record = verification.facet("regzone_record")
    zone = record.get("zone")
    if not zone:
        verification.problems.append("field /run/facets/regzone_record/zone is missing: the signing key is unknown")
        return verification
    verification.problems += _signature_problems(session, document, str(zone))
    if record.get("signingKey") != (document.get("signature") or {}).get("keyId"):
        verification.problems.append("signature.keyId differs from /run/facets/regzone_record/signingKey")
    if record.get("auditBucket") != bucket:
        verification.problems.append(f"the record names audit bucket {record.get('auditBucket')}, but is in {bucket}")
    try:
        since = datetime.fromisoformat(str(verification.event.get("eventTime")))
        required = since + timedelta(days=int(record.get("retentionDays")))
    except (TypeError, ValueError):
        verification.problems.append("eventTime or retentionDays cannot be read: the required retention is unknown")
        return verification
    head = _call(s3, "head_object", "s3:GetObject, s3:GetObjectRetention", Bucket=bucket, Key=key)
    verification.problems += lock_problems(head, required)
    return verification
