"""ECR exclusion filters judged as ECR reads them: a filter of `*` alone leaves every tag mutable,
in the evidence (live repositories) and in the shared function the preview policy calls."""
from __future__ import annotations

import pytest

from regzone.evidence.model import Status
from regzone_core.registry_tags import exclusion_problem
from tests.evidence.conftest import run


@pytest.mark.parametrize("filters, problem", [
    ([{"filter": "*", "filterType": "WILDCARD"}], "matches every tag"),
    ([{"filter": "**", "filterType": "WILDCARD"}], "matches every tag"),
    ([{"filter": "dev-*", "filterType": "WILDCARD"}, {"filter": "***", "filterType": "WILDCARD"}], "matches every tag"),
    ([{"filter": "?*", "filterType": "WILDCARD"}], "not one ECR accepts"),
    ([{"filter": "dev-*", "filterType": "REGEX"}], "not one ECR accepts"),
    ([], "without exclusion filters"),
    ([{"filter": "dev-*", "filterType": "WILDCARD"}], None),
    ([{"filter": "*-snapshot", "filterType": "WILDCARD"}], None),
])
def test_exclusion_problem(filters, problem):
    found = exclusion_problem(filters)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize("check", ["ecr_repository_immutable_tags"])
@pytest.mark.parametrize("pattern, status", [("*", Status.FAIL), ("**", Status.FAIL), ("dev-*", Status.PASS)])
def test_live_exclusions(session, zone, check, pattern, status):
    session.client("ecr").put_image_tag_mutability(
        repositoryName=zone["repository"], imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": pattern, "filterType": "WILDCARD"}])
    findings = [f for f in run(session, check) if "repository/good/model" in f.resource]   # one per citing control
    assert findings and {f.status for f in findings} == {status}, [f.message for f in findings]
