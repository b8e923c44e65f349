"""cloudtrail_multi_region judges the trails that record management events: a zone's data-event
trail is single-region by design (components/audit_trail.py) and is not judged, a region only such
trails cover has no management trail, and selectors that cannot be read are an ERROR."""
import pytest

from regzone.evidence.model import Status
from regzone.evidence.trail_events import records_management_events
from tests.evidence.conftest import inject, run
from tests.evidence.zone import REGION, trail

CHECK = "cloudtrail_multi_region"
DATA_ONLY = [{"ReadWriteType": "All", "IncludeManagementEvents": False,
              "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::good-data/"]}]}]


@pytest.mark.parametrize("answer, recorded", [
    ({}, True),   # no selectors: every management event (PutEventSelectors, CloudTrail API Reference)
    ({"EventSelectors": [{"ReadWriteType": "All"}]}, True),
    ({"EventSelectors": DATA_ONLY}, False),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]}, True),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                                     {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]},
     False),
])
def test_what_selectors_record(answer, recorded):
    assert records_management_events(answer) is recorded


def _data_trail(session, zone, name="good-data-events"):
    arn = trail(session, name, "good", zone["audit_bucket"], zone["key"])
    cloudtrail = session.client("cloudtrail")
    cloudtrail.update_trail(Name=arn, IsMultiRegionTrail=False)
    cloudtrail.put_event_selectors(TrailName=arn, EventSelectors=DATA_ONLY)
    return arn


@pytest.mark.parametrize("check", [CHECK])
def test_a_single_region_data_event_trail_is_not_judged(session, zone, check):
    arn = _data_trail(session, zone)
    findings = run(session, check)
    assert not [f for f in findings if f.resource == arn], [(f.resource, f.message) for f in findings]
    assert {f.status for f in findings} == {Status.PASS}


@pytest.mark.parametrize("check", [CHECK])
def test_a_region_covered_only_by_data_event_trails_fails(session, zone, check):
    for name in ("trail", "account_trail"):   # the zone's trail and the account baseline's
        session.client("cloudtrail").put_event_selectors(TrailName=zone[name], EventSelectors=DATA_ONLY)
    failures = [f for f in run(session, check) if f.status is Status.FAIL]
    assert [f.message for f in failures] == [f"no CloudTrail trail records management events in {REGION}"]


@pytest.mark.parametrize("check", [CHECK])
def test_a_single_region_management_trail_fails(session, zone, check):
    session.client("cloudtrail").update_trail(Name=zone["trail"], IsMultiRegionTrail=False)
    failures = [f for f in run(session, check) if f.status is Status.FAIL]
    assert failures and all("single-region trail recording management events" in f.message for f in failures)


@pytest.mark.parametrize("check", [CHECK])
def test_unreadable_selectors_are_an_error(session, zone, check):
    inject(session, "cloudtrail.GetEventSelectors", "access_denied")
    findings = run(session, check)
    assert findings and {f.status for f in findings} == {Status.ERROR}
    assert all("cloudtrail:GetEventSelectors" in f.message for f in findings), [f.message for f in findings]
