"""ECR controls through the registry-wide scanning configuration (which replaces every repository's own
scan-on-push) and the public gallery's repository policy."""
import json

import pytest

from analyzer_helpers import resource, violations
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient

SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def scanning(scan_type, *rules):
    return resource(SCANNING, {"scanType": scan_type, "rules": [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"}]}
        for frequency, f in rules]}, name="registry-scanning")


@pytest.fixture(scope="module")
def zone_pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        settings = {"allowed_regions": ["eu-west-1"], "zones": {"dev-ai": {"regions": ["eu-west-1"]}}}
        client.configure(policies, {p.name: settings for p in policies})
        yield client


def test_enhanced_continuous_scanning_of_the_zone_passes(zone_pack):
    assert violations(zone_pack, "ecr-registry-scanning-enhanced",
                      scanning("ENHANCED", ("CONTINUOUS_SCAN", "dev-ai/*"))) == []


@pytest.mark.parametrize("config, expected", [
    (scanning("BASIC", ("SCAN_ON_PUSH", "*")), "not ENHANCED"),
    (scanning("ENHANCED", ("SCAN_ON_PUSH", "dev-ai/*")), "no CONTINUOUS_SCAN rule covers dev-ai"),
    (scanning("ENHANCED", ("CONTINUOUS_SCAN", "other/*")), "no CONTINUOUS_SCAN rule covers dev-ai"),
    (resource(SCANNING, {"scanType": "ENHANCED"}), "no CONTINUOUS_SCAN rule covers dev-ai"),
])
def test_registry_scanning_that_leaves_the_zone_unscanned_fires(zone_pack, config, expected):
    found = violations(zone_pack, "ecr-registry-scanning-enhanced", config)
    assert len(found) == 1 and expected in found[0].message and "RAZ-ECR-002" in found[0].message


def test_with_no_zone_configured_a_continuous_rule_is_still_required(pack):
    found = violations(pack, "ecr-registry-scanning-enhanced", scanning("ENHANCED", ("SCAN_ON_PUSH", "*")))
    assert found and "no rule scans continuously" in found[0].message
    assert violations(pack, "ecr-registry-scanning-enhanced", scanning("ENHANCED", ("CONTINUOUS_SCAN", "*"))) == []


@pytest.mark.parametrize("value, fires", [(True, False), ("true", False), ("false", True), (0, True)])
def test_scan_on_push_read_as_the_provider_reads_booleans(pack, value, fires):
    repository = resource("aws:ecr/repository:Repository", {"imageScanningConfiguration": {"scanOnPush": value}})
    assert bool(violations(pack, "ecr-repository-scan-on-push", repository)) is fires


def test_public_gallery_repository_policy_is_judged(pack):
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "ecr-public:*"}]})
    found = violations(pack, "ecr-policy-no-public-or-foreign-principal",
                       resource("aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
                                {"repositoryName": "models", "policy": document}))
    assert found and "RAZ-ECR-004" in found[0].message
