"""A scope that matches nothing is never a pass: an unknown zone or region is a usage error, a
check asked for by name that finds nothing to judge fails, an unknown check lists the valid ones."""
from __future__ import annotations

from regzone.cli import main
from regzone.evidence.checks import load_checks
from regzone.evidence.model import Status
from tests.evidence.conftest import REGION, run
from tests.evidence.zone import seed_zone


def test_a_zone_no_resource_carries_exits_2_naming_the_zones_found(session, capsys):
    seed_zone(session, "good", services={"kms"})
    assert main(["evidence", "--zone", "prod", "--region", REGION]) == 2
    err = capsys.readouterr().err
    assert "--zone prod: no resource" in err and "zones found: good" in err


def test_a_zone_that_exists_still_scans(session, capsys):
    seed_zone(session, "good", services={"kms"})
    assert main(["evidence", "--zone", "good", "--region", REGION, "--check", "kms_key_rotation_enabled"]) == 0


def test_a_region_of_no_partition_exits_2_before_any_call(session, capsys):
    calls = []
    session.events.register("before-call", lambda **kwargs: calls.append(kwargs["event_name"]))
    assert main(["evidence", "--region", "us-east-7"]) == 2
    err = capsys.readouterr().err
    assert "--region us-east-7: not a region of any AWS partition" in err and "eu-west-1" in err
    assert calls == []


def test_a_region_of_another_partition_exits_2(session, capsys):
    assert main(["evidence", "--region", REGION, "--region", "cn-north-1"]) == 2
    assert "--region cn-north-1: not a region of partition aws" in capsys.readouterr().err


def test_an_unknown_check_lists_the_valid_ones(session, capsys):
    assert main(["evidence", "--region", REGION, "--check", "kms_key_rotation"]) == 2
    err = capsys.readouterr().err
    assert "unknown check(s): kms_key_rotation" in err
    assert all(check.name in err for check in load_checks())


def test_a_named_check_with_nothing_to_judge_fails(session):
    seed_zone(session, "good", services={"kms"})
    findings = run(session, ("kms_key_rotation_enabled", "eks_endpoint_private_only"))
    eks = [f for f in findings if f.check == "eks_endpoint_private_only"]
    assert eks and {f.status for f in eks} == {Status.FAIL}
    assert "nothing to judge: no AwsEksCluster in us-east-1 tagged zone=good" in eks[0].message
