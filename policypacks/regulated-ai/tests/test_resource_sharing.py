"""Zone resources shared through AWS RAM (RAZ-EGR-004) over the real pack: shares among the zone's account pass;
external principals, another account, an organization or unit, and a share the stack does not create fire;
an unknown principal is reported."""
import pytest

from analyzer_helpers import configured_pack, stack_violations
from test_egress import ACCOUNT, FOREIGN, SETTINGS, UNKNOWN, in_zone, urn

POLICY = "ram-share-within-zone"
SHARE, PRINCIPAL = "aws:ram/resourceShare:ResourceShare", "aws:ram/principalAssociation:PrincipalAssociation"
RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
EXCLUSIVE = "aws:ram/resourceShareAssociationsExclusive:ResourceShareAssociationsExclusive"
SUBNET = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/subnet-0123"


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def share(**props):
    return in_zone(SHARE, {"name": "s", **props}, name="share")


def of_share(type_token, props, name):
    return in_zone(type_token, {"resourceShareArn": UNKNOWN, **props}, name=name,
                   property_dependencies={"resourceShareArn": [urn(SHARE, "share")]})


def test_a_share_within_the_zone_account_passes(gate):
    resources = [share(allowExternalPrincipals=False), of_share(PRINCIPAL, {"principal": ACCOUNT}, "p"),
                 of_share(RESOURCE, {"resourceArn": SUBNET}, "r")]
    assert stack_violations(gate, POLICY, resources) == []


def test_a_share_allowing_external_principals_fires(gate):
    found = stack_violations(gate, POLICY, [share(allowExternalPrincipals=True)])
    assert len(found) == 1 and "allowExternalPrincipals" in found[0].message
    assert stack_violations(gate, POLICY, [share()]) == []   # the provider's default is false


@pytest.mark.parametrize("principal, fragment", [
    (FOREIGN, f"account {FOREIGN}, outside the zone's account"),
    (f"arn:aws:iam::{FOREIGN}:role/reader", f"account {FOREIGN}, outside"),
    (f"arn:aws:organizations::{ACCOUNT}:organization/o-abc123", "every account of"),
    (f"arn:aws:organizations::{ACCOUNT}:ou/o-abc123/ou-ab12-cdef3456", "every account of"),
])
def test_a_principal_outside_the_zone_account_fires(gate, principal, fragment):
    found = stack_violations(gate, POLICY, [share(), of_share(PRINCIPAL, {"principal": principal}, "p")])
    assert len(found) == 1 and found[0].urn.endswith("::p") and fragment in found[0].message


def test_exclusive_associations_are_judged_per_principal_and_source(gate):
    exclusive = of_share(EXCLUSIVE, {"principals": [ACCOUNT, FOREIGN], "resourceArns": [SUBNET],
                                     "sources": [FOREIGN]}, "x")
    found = stack_violations(gate, POLICY, [share(), exclusive])
    assert len(found) == 2 and all(f"account {FOREIGN}" in d.message for d in found)


def test_a_resource_added_to_a_share_the_stack_does_not_create_fires(gate):
    foreign = in_zone(RESOURCE, {"resourceArn": SUBNET,
                                 "resourceShareArn": f"arn:aws:ram:eu-west-1:{ACCOUNT}:resource-share/abc"}, name="r")
    found = stack_violations(gate, POLICY, [foreign])
    assert len(found) == 1 and "which this stack does not create" in found[0].message


@pytest.mark.parametrize("resource, path", [
    (of_share(PRINCIPAL, {"principal": UNKNOWN}, "p"), "principal"),
    (in_zone(RESOURCE, {"resourceArn": SUBNET, "resourceShareArn": UNKNOWN}, name="r"), "resourceShareArn"),
])
def test_unknown_principal_or_share_is_reported(gate, resource, path):
    found = stack_violations(gate, POLICY, [share(), resource])
    assert len(found) == 1 and f"`{path}` is unknown until deployment" in found[0].message
