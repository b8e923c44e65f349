"""Today's date for config checks that expire (EKS standard support, artifact review dates).

`REGZONE_TODAY` (an ISO date) pins it: the test suite pins it so that CI does not turn red on a
calendar date, and a past preview can be reproduced. Unset, it is the machine's date.
"""
from __future__ import annotations

import datetime
import os

TODAY_ENV = "REGZONE_TODAY"


def today() -> datetime.date:
    pinned = os.environ.get(TODAY_ENV)
    if not pinned:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{TODAY_ENV} = {pinned!r} is not a date; valid: YYYY-MM-DD or unset") from None
