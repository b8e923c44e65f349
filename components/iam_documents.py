"""IAM documents and names shared between components, so that every service role is written the same
way and the zone and in-cluster programs agree on where workload roles live."""
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


def workload_role_path(zone_name: str) -> str:
    """The IAM path of a zone's Pod Identity workload roles. The in-cluster program creates them
    after the zone keys exist, so the data key cannot name them (KMS refuses principals that do
    not exist yet); it lets IAM decide for roles on this path instead."""
    return f"/regzone/{zone_name}/workloads/"
