"""Which lifecycle rules could take a recorded rollback image (regzone_core.registry_lifecycle): the
registry's own policy keeps every image recorded under an immutable tag; anything that selects tagged
images, or an image that can lose its tag, is reported."""
import json

import pytest

from components.registry import lifecycle_policy
from regzone_core.registry_lifecycle import rollback_image_problems, tagged_image_rules

RENDERED = lifecycle_policy(14)


def with_rule(selection):
    rules = json.loads(RENDERED)["rules"]
    return {"rules": rules + [{"rulePriority": 5, "selection": selection, "action": {"type": "expire"}}]}


def test_the_rendered_policy_keeps_every_image_recorded_under_an_immutable_tag():
    assert tagged_image_rules(RENDERED) == []
    assert rollback_image_problems(RENDERED, "v1.4.0", ["latest-dev*"]) == []


@pytest.mark.parametrize("selection", [
    {"tagStatus": "tagged", "tagPatternList": ["release-*"], "countType": "imageCountMoreThan", "countNumber": 50},
    # a prefix the recorded tag does not have still selects the image if it carries another tag
    {"tagStatus": "tagged", "tagPrefixList": ["nightly"], "countType": "sinceImagePushed", "countUnit": "days",
     "countNumber": 30},
    {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 500},
    {"countType": "imageCountMoreThan", "countNumber": 500},
])
def test_a_rule_that_can_select_a_tagged_image_is_reported(selection):
    (problem,) = rollback_image_problems(with_rule(selection), "v1.4.0")
    assert problem.startswith("rule 5 selects ") and "valid: rules on untagged images only" in problem


def test_an_image_recorded_without_a_tag_can_be_expired_by_the_untagged_rule():
    (problem,) = rollback_image_problems(RENDERED, None)
    assert problem == ("the image is recorded without a tag: once untagged, rule 1 (expire untagged images after "
                       "14 days) can expire it")


def test_an_image_under_a_mutable_tag_can_lose_it_and_expire():
    (problem,) = rollback_image_problems(RENDERED, "latest-dev-7", ["latest-dev*"])
    assert "the mutable-tag exclusion 'latest-dev*' lets move" in problem


@pytest.mark.parametrize("policy", ["{not json", {"rules": "all"}, ["rules"]])
def test_a_policy_that_cannot_be_read_is_reported_not_passed(policy):
    (problem,) = rollback_image_problems(policy, "v1.4.0")
    assert "cannot be judged" in problem
