"""Residency: a resource's region (its own or its provider's) must be one its zone may use."""
import json

import pytest

from analyzer_helpers import resource, violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

POLICY = "resource-region-allowed"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SETTINGS = {"allowed_regions": ["eu-west-1", "eu-central-1"],
            "zones": {"gdpr-ai": {"regions": ["eu-central-1"]}}}


@pytest.fixture(scope="module")
def gate():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {p.name: SETTINGS for p in policies})
        yield client


def bucket(provider_region="eu-west-1", zone=None, **props):
    provider = {"region": provider_region}
    if zone:
        provider["defaultTags"] = json.dumps({"tags": {"zone": zone}})
    return resource("aws:s3/bucket:Bucket", props, name="b", provider_props=provider)


def test_allowed_region_passes(gate):
    assert violations(gate, POLICY, bucket("eu-west-1")) == []


def test_region_outside_allowed_regions_fires(gate):
    found = violations(gate, POLICY, bucket("us-east-1"))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "us-east-1" in found[0].message and "eu-west-1, eu-central-1" in found[0].message
    assert "RAZ-RES-001" in found[0].message


def test_zone_registry_narrows_the_regions(gate):
    assert violations(gate, POLICY, bucket("eu-central-1", zone="gdpr-ai")) == []
    found = violations(gate, POLICY, bucket("eu-west-1", zone="gdpr-ai"))
    assert found and "zone 'gdpr-ai'" in found[0].message


def test_per_resource_region_override_is_judged(gate):
    found = violations(gate, POLICY, bucket("eu-west-1", region="us-west-2"))
    assert found and "us-west-2" in found[0].message


def test_provider_resource_is_judged(gate):
    provider = resource("pulumi:providers:aws", {"region": "ap-south-1",
                                                 "defaultTags": json.dumps({"tags": {"zone": "gdpr-ai"}})}, name="p")
    found = violations(gate, POLICY, provider)
    assert found and "ap-south-1" in found[0].message and "zone 'gdpr-ai'" in found[0].message


def test_no_region_fires(gate):
    assert "has no region" in violations(gate, POLICY, resource("aws:s3/bucket:Bucket", {}, provider_props={}))[0].message


def test_unknown_region_is_reported_not_passed(gate):
    found = violations(gate, POLICY, bucket(UNKNOWN_STRING))
    assert found and "provider.region" in found[0].message and "cannot be verified" in found[0].message


def test_unconfigured_pack_allows_no_region(pack):
    """Without a pack config nothing is allowed: the gate fails closed, naming the fix."""
    found = violations(pack, POLICY, bucket("eu-west-1"))
    assert found and "no region is allowed" in found[0].message and "regzone pack-config" in found[0].message


def test_invalid_settings_in_the_pack_fail_closed():
    """Config that skipped `regzone` validation (e.g. straight from `pulumi preview`) blocks, naming the key."""
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies, {POLICY: {"allowed_regions": ["mars-1"]}})
        found = violations(client, POLICY, bucket("eu-west-1"))
    assert len(found) == 1 and found[0].enforcement == "mandatory"
    assert "policy config error: allowed_regions: unknown AWS region" in found[0].message
