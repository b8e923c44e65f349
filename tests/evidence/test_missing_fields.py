"""An API answer missing a field a check needs is never a PASS: a test derived from the checks.

Each check runs on the compliant moto zone while the fields its own code reads and finds in the
collected answers are noted (model.found_fields). Then each noted field is deleted from its answer,
the check runs again on the same collected data, and no resource may PASS where it did before
(ERROR naming the field, or FAIL). Fields whose absence has a documented meaning are read with
`absent_means`, which is not a read of a field that must be there.
"""
from __future__ import annotations

import dataclasses

import pytest

from regzone.evidence import runner
from regzone.evidence.model import Status, found_fields
from tests.evidence.conftest import run
from tests.evidence.test_checks import MOTO_CHECKS


# Unmarked: a few checks with nested answers; every check runs with the slow tests (about 2 minutes).
FAST = ("kms_key_rotation_enabled", "eks_endpoint_private_only", "s3_data_bucket_lifecycle_expiry")


@pytest.mark.parametrize("check", [c if c in FAST else pytest.param(c, marks=pytest.mark.slow) for c in MOTO_CHECKS])
def test_a_field_the_check_reads_missing_is_never_a_pass(session, zone, check, monkeypatch):
    captured = []
    original = runner._run_check
    monkeypatch.setattr(runner, "_run_check", lambda c, ctx: captured.append((c, ctx)) or original(c, ctx))
    with found_fields() as found:
        findings = run(session, check)
    assert findings and {f.status for f in findings} == {Status.PASS}
    (the_check, ctx), = captured
    fields = list({(id(answer), key): (answer, key) for answer, key in found}.values())
    assert fields, f"{check}: no field of a collected answer was read"
    holder = {id(node): resource for inventory in ctx.collected.values() if inventory.error is None
              for kind in inventory.resources.values() if isinstance(kind, list)
              for resource in kind for node in _nodes(resource.data)}
    failures = []
    for answer, key in fields:
        resource = holder.get(id(answer))
        held = dict.pop(answer, key)
        try:
            results = original(the_check, dataclasses.replace(ctx, not_judged=[], zones_seen=set()))
        finally:
            dict.__setitem__(answer, key, held)
        if resource is None:  # a shared fact: nothing may pass on it
            still = [r for r in results if r.status is Status.PASS] and not any(
                r.status is not Status.PASS for r in results)
        else:
            still = any(r.status is Status.PASS and r.resource == resource.id for r in results)
        if still:
            failures.append(f"{resource.id if resource else 'fact'}: without `{answer.path}.{key}` it passes")
    assert not failures, failures


def _nodes(value):
    if isinstance(value, dict):
        yield value
        for item in dict.values(value):
            yield from _nodes(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from _nodes(item)
