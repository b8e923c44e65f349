"""IAM trust policies for AWS services, shared so that every service role is written the same way."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def service_trust_policy(service: str, actions: Sequence[str] = ("sts:AssumeRole",),
                         condition: Mapping[str, Any] | None = None) -> str:
    """Only `service` may assume the role; `condition` narrows it (aws:SourceAccount/SourceArn
    against the confused-deputy problem)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}
    if condition:
        statement["Condition"] = dict(condition)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, sort_keys=True)
