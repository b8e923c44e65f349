"""Assurance-level policies (RAZ-LVL-*): each fires for a zone whose level requires what it lacks,
names the level, and stays quiet for a zone that meets it or sits below the level that requires it."""
import pytest

from analyzer_helpers import configured_pack, resource, stack_violations

KEY = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"
REGISTRY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/zone-a/*"


def settings(level, *, classes=("public",), allowed=(), data_class_policy=None):
    return {
        "allowed_regions": ["eu-west-1"],
        "zones": {"zone-a": {"regions": ["eu-west-1"], "data_classes": list(classes), "assurance_level": level,
                             "egress_allowed_destinations": list(allowed)}},
        "data_class_policy": data_class_policy or {c: {"allowed_zones": ["zone-a"]} for c in classes},
    }


def tagged(type_token, props=None, *, name="r", change_ref="CHG-1", data_class="public", **kwargs):
    tags = {"zone": "zone-a", "data-class": data_class, "owner": "o", "environment": "prod", "change-ref": change_ref}
    return resource(type_token, {**(props or {}), "tags": tags}, name=name, **kwargs)


def messages(pack, policy, resources):
    return [d.message for d in stack_violations(pack, policy, resources)]


# ---- assurance-level-minimum -------------------------------------------------------------------

def test_minimum_fires_for_a_zone_below_its_class():
    with configured_pack(**settings(2, classes=["cardholder_data"])) as pack:
        found = messages(pack, "assurance-level-minimum", [tagged("aws:s3/bucket:Bucket", data_class="cardholder_data")])
    assert len(found) == 1 and found[0].endswith(
        "[RAZ-LVL-001] zone 'zone-a' is at level 2 but holds data class 'cardholder_data', which needs level 3 "
        "(Governance by default) or higher.")


def test_minimum_fires_for_a_class_only_the_resources_carry():
    """The registry says public; a resource tagged ephi still raises the zone's minimum."""
    policy = {"public": {"allowed_zones": ["zone-a"]}, "ephi": {"allowed_zones": ["zone-a"]}}
    with configured_pack(**settings(2, data_class_policy=policy)) as pack:
        found = messages(pack, "assurance-level-minimum", [tagged("aws:s3/bucket:Bucket", data_class="ephi")])
    assert len(found) == 1 and "holds data class 'ephi', which needs level 3" in found[0]


def test_minimum_fires_for_a_zone_without_a_level():
    config = settings(2)
    del config["zones"]["zone-a"]["assurance_level"]
    with configured_pack(**config) as pack:
        found = messages(pack, "assurance-level-minimum", [tagged("aws:s3/bucket:Bucket")])
    assert len(found) == 1 and "zone 'zone-a' declares no assurance level" in found[0]


def test_minimum_quiet_at_or_above_the_minimum():
    with configured_pack(**settings(3, classes=["cardholder_data"])) as pack:
        assert messages(pack, "assurance-level-minimum",
                        [tagged("aws:s3/bucket:Bucket", data_class="cardholder_data")]) == []


def test_minimum_honours_the_configured_raise():
    policy = {"public": {"allowed_zones": ["zone-a"], "min_assurance_level": 4}}
    with configured_pack(**settings(3, data_class_policy=policy)) as pack:
        found = messages(pack, "assurance-level-minimum", [tagged("aws:s3/bucket:Bucket")])
    assert len(found) == 1 and "needs level 4 (High-assurance environments)" in found[0]


# ---- assurance-level-signed-admission ----------------------------------------------------------

NAMESPACE = resource("kubernetes:core/v1:Namespace", {"metadata": {"name": "zone-a-inference",
                                                                   "labels": {"regzone.io/zone": "zone-a"}}},
                     name="ns")


def cluster_policy(*, action="Enforce", references=(REGISTRY,), required=True, attestors=True, **extra):
    verify = {"imageReferences": list(references), "required": required, "verifyDigest": True,
              "attestors": [{"entries": [{"keys": {"publicKeys": KEY}}]}] if attestors else []}
    spec = {"validationFailureAction": action, "rules": [{
        "name": "signed", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "verifyImages": [verify]}]}
    spec["rules"][0]["verifyImages"][0].update(extra)
    return resource("kubernetes:kyverno.io/v1:ClusterPolicy", {"metadata": {"name": "verify"}, "spec": spec},
                    name="verify")


def test_signed_admission_quiet_when_an_enforcing_policy_covers_the_zone():
    with configured_pack(**settings(3)) as pack:
        assert messages(pack, "assurance-level-signed-admission", [NAMESPACE, cluster_policy()]) == []
        assert messages(pack, "assurance-level-signed-admission",
                        [NAMESPACE, cluster_policy(references=["*"])]) == []


@pytest.mark.parametrize(("policy", "reason"), [
    (None, "the stack has no Kyverno ClusterPolicy"),
    (cluster_policy(action="Audit"), "only reports failures (failure action Audit)"),
    (cluster_policy(required=False), "sets required: false"),
    (cluster_policy(attestors=False), "names no attestor"),
    (cluster_policy(skipImageReferences=["*/zone-a/models/*"]), "skips images"),
    (cluster_policy(references=["111122223333.dkr.ecr.eu-west-1.amazonaws.com/zone-a/models/*"]),
     "no rule matching Pods verifies the zone registry's images"),
    (cluster_policy(references=["111122223333.dkr.ecr.us-east-1.amazonaws.com/zone-a/*"]),
     "no rule matching Pods verifies the zone registry's images"),
], ids=["none", "audit", "not-required", "no-attestor", "skips", "narrower", "other-region"])
def test_signed_admission_fires_at_level_3_naming_the_level(policy, reason):
    with configured_pack(**settings(3)) as pack:
        found = messages(pack, "assurance-level-signed-admission", [NAMESPACE] + ([policy] if policy else []))
    assert len(found) == 1
    assert "zone 'zone-a' is at level 3 (Governance by default), which requires image signatures verified " \
           "at admission" in found[0] and reason in found[0]


def test_signed_admission_quiet_below_level_3_and_for_the_zone_program():
    with configured_pack(**settings(2)) as pack:
        assert messages(pack, "assurance-level-signed-admission", [NAMESPACE]) == []
    with configured_pack(**settings(4)) as pack:  # AWS resources only: the zone program, not the in-cluster one
        assert messages(pack, "assurance-level-signed-admission", [tagged("aws:s3/bucket:Bucket")]) == []


# ---- assurance-level-no-internet-egress --------------------------------------------------------

VPC = tagged("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, name="vpc")


def test_no_internet_egress_fires_at_level_4_for_an_allow_list():
    with configured_pack(**settings(4, allowed=["feeds.example.com"])) as pack:
        found = messages(pack, "assurance-level-no-internet-egress", [VPC])
    assert len(found) == 1 and found[0].endswith(
        "[RAZ-LVL-003] zone 'zone-a' is at level 4 (High-assurance environments), which allows no internet egress, "
        "but its egress allow-list names feeds.example.com: set regulated_ai_zone.egress.air_gapped: true.")


@pytest.mark.parametrize("gateway", [
    tagged("aws:ec2/internetGateway:InternetGateway", name="igw"),
    tagged("aws:ec2/natGateway:NatGateway", {"connectivityType": "public"}, name="nat"),
    tagged("aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway", name="eigw"),
    tagged("aws:ec2/carrierGateway:CarrierGateway", name="cagw"),
    # Tagged for another zone, but attached to this zone's VPC.
    resource("aws:ec2/internetGateway:InternetGateway", {"vpcId": "vpc-1", "tags": {"zone": "zone-b"}},
             name="igw", property_dependencies={"vpcId": [VPC.urn]}),
], ids=["igw", "nat", "eigw", "carrier", "igw-other-zone-tag"])
def test_no_internet_egress_fires_at_level_4_for_a_gateway(gateway):
    with configured_pack(**settings(4)) as pack:
        found = stack_violations(pack, "assurance-level-no-internet-egress", [VPC, gateway])
    assert len(found) == 1 and found[0].urn == gateway.urn
    assert "in zone 'zone-a', which is at level 4 (High-assurance environments)" in found[0].message


def test_no_internet_egress_quiet_for_an_air_gapped_zone_or_below_level_4():
    private_nat = tagged("aws:ec2/natGateway:NatGateway", {"connectivityType": "private"}, name="nat")
    with configured_pack(**settings(4)) as pack:
        assert messages(pack, "assurance-level-no-internet-egress", [VPC, private_nat]) == []
    with configured_pack(**settings(3, allowed=["feeds.example.com"])) as pack:
        assert messages(pack, "assurance-level-no-internet-egress",
                        [VPC, tagged("aws:ec2/internetGateway:InternetGateway", name="igw")]) == []
