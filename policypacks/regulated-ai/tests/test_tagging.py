"""Change-control tags: the provider's default tags (a JSON string on the wire) and the resource's own."""
import json
import re
from pathlib import Path

import pulumi_aws
import pytest

from analyzer_helpers import resource, violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient
from regulated_ai.policies.tagging import taggable_types

POLICY = "required-tags"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
TAGS = {"owner": "platform@example.com", "zone": "dev-ai", "data-class": "public", "environment": "dev",
        "change-ref": "CHG-0001"}


def tagged(type_token="aws:s3/bucket:Bucket", default_tags=None, **props):
    default_tags = TAGS if default_tags is None else default_tags
    return resource(type_token, props, name="r", provider_props={
        "region": "eu-west-1", "defaultTags": json.dumps({"tags": default_tags})})


def without(*keys):
    return {k: v for k, v in TAGS.items() if k not in keys}


def test_default_tags_satisfy_the_policy(pack):
    assert violations(pack, POLICY, tagged()) == []


def test_missing_default_tag_fires(pack):
    found = violations(pack, POLICY, tagged(default_tags=without("owner", "change-ref")))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "owner, change-ref" in found[0].message and "RAZ-CHG-001" in found[0].message


def test_resource_tags_complete_the_default_tags(pack):
    assert violations(pack, POLICY, tagged(default_tags=without("owner"), tags={"owner": "ml@example.com"})) == []


def test_empty_tag_value_counts_as_missing(pack):
    assert violations(pack, POLICY, tagged(tags={"owner": " "}))


def test_no_provider_default_tags_fires(pack):
    found = violations(pack, POLICY, resource("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}))
    assert found and "lacks required tag(s) owner, zone, data-class, environment, change-ref" in found[0].message


def test_placeholder_change_ref_fires(pack):
    found = violations(pack, POLICY, tagged(default_tags={**TAGS, "change-ref": "unset"}))
    assert found and "placeholder" in found[0].message


def test_untaggable_type_is_exempt(pack):
    assert violations(pack, POLICY, tagged("aws:kms/alias:Alias", default_tags={}, name="alias/x")) == []


def test_unknown_tag_value_is_reported_not_passed(pack):
    found = violations(pack, POLICY, tagged(tags={"owner": UNKNOWN_STRING}))
    assert found and "tags.owner" in found[0].message and "cannot be verified" in found[0].message


def test_malformed_default_tags_fail_closed(pack):
    bad = resource("aws:s3/bucket:Bucket", {}, provider_props={"region": "eu-west-1", "defaultTags": "{not json"})
    found = violations(pack, POLICY, bad)
    assert found and found[0].enforcement == "mandatory" and "malformed tags" in found[0].message


@pytest.fixture(scope="module")
def strict():
    """A pack whose config adds a required tag."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {POLICY: {"required_tags": [*TAGS, "cost-center"]}})
        yield client


def test_configured_required_tag_fires(strict):
    found = violations(strict, POLICY, tagged())
    assert found and "cost-center" in found[0].message
    assert violations(strict, POLICY, tagged(tags={"cost-center": "cc-42"})) == []


def _sdk_taggable_types() -> set[str]:
    """Resource types whose pulumi-aws `_internal_init` takes `tags` as a string map."""
    token = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'(aws:[^']+)'")
    tag_map = re.compile(r"\btags: (?:Optional\[pulumi\.Input\[|pulumi\.Input\[Optional\[)Mapping\[str,")
    found = set()
    for source in Path(pulumi_aws.__file__).parent.glob("*/*.py"):
        text = source.read_text(encoding="utf-8")
        for match in token.finditer(text):
            start = text.rfind("def _internal_init(", 0, match.start())
            if tag_map.search(text[start:text.find("):", start)]):
                found.add(match.group(2))
    return found


@pytest.mark.slow
def test_taggable_type_list_matches_the_pinned_sdk():
    sdk, listed = _sdk_taggable_types(), set(taggable_types())
    assert len(sdk) > 800
    assert sdk == listed, f"add: {sorted(sdk - listed)[:20]} remove: {sorted(listed - sdk)[:20]}"
