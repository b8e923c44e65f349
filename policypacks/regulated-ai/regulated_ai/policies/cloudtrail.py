"""CloudTrail: management events recorded by one multi-region trail, every trail validated,
KMS-encrypted and delivering to WORM storage (controls RAZ-LOG-001..003, RAZ-AUD-001)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.s3 import bucket_of, compliance_lock_problem, configured_buckets
from regulated_ai.types import CLOUDTRAIL_EVENT_DATA_STORE, CLOUDTRAIL_TRAIL, S3_OBJECT_LOCK
from regulated_ai.values import as_bool

# A CloudTrail Lake event data store records events like a trail; where its settings live.
_MULTI_REGION = {CLOUDTRAIL_TRAIL: "isMultiRegionTrail", CLOUDTRAIL_EVENT_DATA_STORE: "multiRegionEnabled"}


def records_management_events(trail: ResourceView) -> bool:
    """Whether a trail or event data store records management events: CloudTrail's default (no
    selectors), a basic selector that does not exclude them, or an advanced selector on eventCategory
    Management. `includeManagementEvents` is read as the provider reads booleans ("false" is false)."""
    basic = trail.known("eventSelectors", None) or []
    advanced = trail.known("advancedEventSelectors", None) or []
    if not basic and not advanced:
        return True
    if any(isinstance(s, dict) and as_bool(s.get("includeManagementEvents"), f"eventSelectors.{i}.includeManagementEvents")
           is not False for i, s in enumerate(basic)):
        return True
    for selector in advanced:
        for field in (selector.get("fieldSelectors") or []) if isinstance(selector, dict) else []:
            if isinstance(field, dict) and field.get("field") == "eventCategory" and \
                    "Management" in (field.get("equals") or []):
                return True
    return False


def _trail_name(arn: str | None) -> str | None:
    return arn.rsplit("trail/", 1)[-1] if arn else None


@resource_policy(
    "cloudtrail-multi-region",
    description="A trail that records management events (and the named management trail) must be multi-region, "
                "record global service events and be logging; a trail may record data events alone, in one "
                "region, only when the settings name the management trail (management_trail_arn).",
    controls=["RAZ-LOG-001"], types=list(_MULTI_REGION))
def cloudtrail_multi_region(trail: ResourceView) -> Iterator[str]:
    if trail.type == CLOUDTRAIL_EVENT_DATA_STORE:
        # An event data store records in one region unless multiRegionEnabled (default true).
        if records_management_events(trail) and trail.flag("multiRegionEnabled", True) is not True:
            yield (f"event data store '{trail.name}' records management events in one region only: set "
                   "multiRegionEnabled to true.")
        return
    named = trail.settings.management_trail_arn
    management = records_management_events(trail)
    if trail.flag("enableLogging", True) is not True:
        yield f"trail '{trail.name}' is created with logging off: set enableLogging to true."
    if not management and named and trail.known("name", trail.name) != _trail_name(named):
        return  # a data-event trail; the account's management events are recorded by `named`
    if not management:
        yield (f"trail '{trail.name}' records no management events, but "
               + ("it is the named management trail (management_trail_arn)" if named else
                  "the settings name no management trail (management_trail_arn)")
               + ": record management events in a multi-region trail, or name the account's management trail.")
        return
    if trail.flag("isMultiRegionTrail", False) is not True:
        yield f"trail '{trail.name}' records one region only: set isMultiRegionTrail to true."
    if trail.flag("includeGlobalServiceEvents", True) is not True:
        yield f"trail '{trail.name}' skips global service events (IAM, STS): set includeGlobalServiceEvents to true."


@resource_policy(
    "cloudtrail-log-file-validation",
    description="CloudTrail trails must write digest files so that altered or deleted logs are detectable.",
    controls=["RAZ-LOG-002"], types=[CLOUDTRAIL_TRAIL])
def cloudtrail_log_file_validation(trail: ResourceView) -> Iterator[str]:
    if trail.flag("enableLogFileValidation", False) is not True:
        yield f"trail '{trail.name}' has no log file validation: set enableLogFileValidation to true."


@resource_policy(
    "cloudtrail-kms-encryption",
    description="CloudTrail trails and event data stores must encrypt events with a customer-managed KMS key.",
    controls=["RAZ-LOG-003"], types=list(_MULTI_REGION))
def cloudtrail_kms_encryption(trail: ResourceView) -> Iterator[str]:
    if not trail.known("kmsKeyId"):
        what = "event data store" if trail.type == CLOUDTRAIL_EVENT_DATA_STORE else "trail"
        yield f"{what} '{trail.name}' is not KMS-encrypted: set kmsKeyId to the zone's audit key ARN."


@stack_policy(
    "cloudtrail-bucket-compliance-locked",
    description="A trail must deliver to a bucket of the stack that has Object Lock in COMPLIANCE mode.",
    controls=["RAZ-AUD-001"], types=[CLOUDTRAIL_TRAIL])
def cloudtrail_bucket_compliance_locked(stack: StackView) -> Iterator[tuple[str, str]]:
    locks = configured_buckets(stack, S3_OBJECT_LOCK)
    for trail in stack.of_type(CLOUDTRAIL_TRAIL):
        bucket = bucket_of(trail, stack, "s3BucketName")
        if bucket is None:
            yield trail.urn, (f"trail '{trail.name}' delivers to a bucket this stack does not create, so its "
                              "Object Lock cannot be verified: deliver to the zone's WORM audit bucket.")
            continue
        problem = compliance_lock_problem(bucket, locks)
        if problem:
            yield trail.urn, f"trail '{trail.name}' delivers to {problem}."
