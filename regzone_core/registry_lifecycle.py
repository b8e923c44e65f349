"""Which ECR lifecycle rules could take away an image that a deployment record names as its rollback
target. Asked of the lifecycle policy the RestrictedRegistry component renders, by the pack of a
planned policy, and by `regzone rollback-plan` of the live one.

What ECR does (ECR user guide, "Lifecycle policy properties in Amazon ECR" and "Automate the cleanup
of images by using lifecycle policies in Amazon ECR"):
- a rule selects images by their tags only, never by digest: `tagStatus` `untagged` (images without
  any tag), `tagged` (images whose tags match every entry of `tagPrefixList` or `tagPatternList`) or
  `any` (every image);
- its action expires the image, or archives it (an archived image cannot be pulled until restored,
  which a 15-minute rollback cannot wait for): either takes the rollback target away.

A record names each image by the tag it was promoted under and its digest. That tag is immutable
(RAZ-ECR-001: an artifact's tag may not match a mutable-tag exclusion, which the config refuses) and
only the promotion role may delete an image (the repository policy), so the image stays tagged
for as long as it is not deleted on purpose. Hence:
- a rule on `untagged` images never selects it;
- a rule on `tagged` images may select it: its recorded tag may match, and the promotion role may
  have given it further tags the record does not know, so no pattern is safe;
- an `any` rule selects it;
- an image recorded without a tag, or under a tag a mutable-tag exclusion matches, can become
  untagged (when the tag moves), and then every rule may select it.
The one mechanism that keeps every recorded image is therefore: lifecycle rules only for untagged
images, and records only of images under immutable tags. A rule ECR would read differently from
this (an unknown tagStatus, a document that is not a rule list) is reported, never passed.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from regzone_core.registry_tags import wildcard_match

UNTAGGED = "untagged"


def _rules(policy: Any) -> tuple[list[Mapping], list[str]]:
    """The rules of a lifecycle policy (its JSON text or parsed document), and why it cannot be read."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as err:
            return [], [f"the lifecycle policy is not JSON ({err}): what it expires cannot be judged"]
    rules = policy.get("rules") if isinstance(policy, Mapping) else None
    if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
        return [], ["the lifecycle policy has no list of rules: what it expires cannot be judged"]
    return rules, []


def _name(rule: Mapping) -> str:
    description = f" ({rule['description']})" if isinstance(rule.get("description"), str) else ""
    return f"rule {rule.get('rulePriority', '?')}{description}"


def tagged_image_rules(policy: Any) -> list[str]:
    """Each rule that could expire or archive an image that has a tag: every rule not limited to
    untagged images. Empty when the policy keeps every tagged image."""
    rules, problems = _rules(policy)
    for rule in rules:
        selection = rule.get("selection") if isinstance(rule.get("selection"), Mapping) else {}
        status = selection.get("tagStatus")
        if status != UNTAGGED:
            what = {"tagged": "tagged images matching " + json.dumps(
                        selection.get("tagPatternList") or selection.get("tagPrefixList") or []),
                    "any": "every image"}.get(status, f"images of tagStatus {status!r}, which ECR does not define")
            problems.append(f"{_name(rule)} selects {what}, so it can {_action(rule)} an image a deployment record "
                            "names as a rollback target; valid: rules on untagged images only")
    return problems


def _action(rule: Mapping) -> str:
    """The rule's action as a verb ("expire", "transition"); any action takes the image away."""
    action = rule.get("action") if isinstance(rule.get("action"), Mapping) else {}
    return str(action.get("type") or "act on")


def rollback_image_problems(policy: Any, tag: str | None, mutable_patterns: Iterable[str] = ()) -> list[str]:
    """Why the lifecycle `policy` could take away the recorded image under `tag` (None: recorded
    without one), given the repository's mutable-tag exclusion patterns. Empty: it cannot."""
    rules, problems = _rules(policy)
    if problems:
        return problems
    movable = next((p for p in mutable_patterns if tag is not None and wildcard_match(p, tag)), None)
    if tag is None or movable is not None:
        why = ("is recorded without a tag" if tag is None
               else f"is recorded under tag {tag!r}, which the mutable-tag exclusion {movable!r} lets move")
        return [f"the image {why}: once untagged, {_name(rule)} can {_action(rule)} it" for rule in rules]
    return tagged_image_rules(policy)
