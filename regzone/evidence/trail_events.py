"""What a trail's event selectors make it record (CloudTrail GetEventSelectors answer).

A trail records management events when a basic selector includes them (IncludeManagementEvents,
default true) or an advanced selector selects eventCategory Management; with no selectors at all
CloudTrail logs every management event ("Trails created without specific event selectors are
configured to log all read and write management events", PutEventSelectors, CloudTrail API
Reference). A zone's data-event trail (components/audit_trail.py) records none: it is single-region
by design and the account's management trail covers the regions.
"""
from __future__ import annotations

from typing import Any


def records_management_events(answer: dict[str, Any]) -> bool:
    basic = answer.get("EventSelectors")
    advanced = answer.get("AdvancedEventSelectors")
    if not basic and not advanced:
        return True
    if any(selector.get("IncludeManagementEvents", True) for selector in basic or ()):
        return True
    return any(field.get("Field") == "eventCategory" and "Management" in field.get("Equals", ())
               for selector in advanced or () for field in selector.get("FieldSelectors", ()))
