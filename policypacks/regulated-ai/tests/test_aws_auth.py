"""RAZ-K8S-012 over the analyzer protocol: aws-auth maps node roles to node groups and break-glass to
system:masters only; other ConfigMaps are not aws-auth; unknowns and unreadable YAML are reported."""
import pytest
import yaml

from analyzer_helpers import resource, violations
from test_kubernetes import BREAK_GLASS, zone_pack  # noqa: F401

POLICY = "k8s-aws-auth-no-system-groups"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
NODE = {"rolearn": "arn:aws:iam::111122223333:role/nodes", "username": "system:node:{{EC2PrivateDNSName}}",
        "groups": ["system:bootstrappers", "system:nodes"]}
FARGATE = {"rolearn": "arn:aws:iam::111122223333:role/fargate", "username": "system:node:{{SessionName}}",
           "groups": ["system:bootstrappers", "system:nodes", "system:node-proxier"]}


def aws_auth(map_roles=(), map_users=(), kind="kubernetes:core/v1:ConfigMap", name="aws-auth", namespace="kube-system"):
    data = {"mapRoles": yaml.safe_dump(list(map_roles))}
    if map_users:
        data["mapUsers"] = yaml.safe_dump(list(map_users))
    return resource(kind, {"metadata": {"name": name, "namespace": namespace}, "data": data}, name="auth")


@pytest.mark.parametrize("kind", ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"])
def test_node_roles_and_break_glass_pass(zone_pack, kind):
    admin = {"rolearn": BREAK_GLASS, "username": "break-glass", "groups": ["system:masters"]}
    duty = {"rolearn": "arn:aws:iam::111122223333:role/trainer", "username": "trainer", "groups": ["zone-trainers"]}
    assert violations(zone_pack, POLICY, aws_auth([NODE, FARGATE, admin, duty], kind=kind)) == []


FIRING = [
    ([{"rolearn": "arn:aws:iam::111122223333:role/dev", "username": "dev", "groups": ["system:masters"]}], (),
     "to system:masters"),
    ((), [{"userarn": "arn:aws:iam::111122223333:user/ops", "username": "ops", "groups": ["system:masters"]}],
     "to system:masters"),
    ([{**NODE, "username": "ci"}], (), "system group 'system:nodes'"),  # a non-node role joins the node groups
    ([{"rolearn": "arn:aws:iam::111122223333:role/x", "username": "x", "groups": ["system:kube-controller-manager"]}],
     (), "system group 'system:kube-controller-manager'"),
    ((), [{"userarn": "arn:aws:iam::111122223333:user/u", "username": "system:node:{{EC2PrivateDNSName}}",
           "groups": ["system:nodes"]}], "system group 'system:nodes'"),  # users are never nodes
]


@pytest.mark.parametrize("roles, users, expected", FIRING)
def test_system_group_mappings_fire(zone_pack, roles, users, expected):
    found = violations(zone_pack, POLICY, aws_auth(roles, users))
    assert any(expected in d.message for d in found) and "RAZ-K8S-012" in found[0].message


def test_a_list_item_is_judged(zone_pack):
    bad = {"metadata": {"name": "aws-auth", "namespace": "kube-system"},
           "data": {"mapRoles": yaml.safe_dump([{"rolearn": "r", "groups": ["system:masters"]}])}}
    found = violations(zone_pack, POLICY, resource("kubernetes:core/v1:ConfigMapList",
                                                   {"items": [{"metadata": {"name": "other"}}, bad]}, name="l"))
    assert len(found) == 1 and "l.items[1]" in found[0].message


def test_other_config_maps_are_not_judged(zone_pack):
    masters = [{"rolearn": "r", "groups": ["system:masters"]}]
    assert violations(zone_pack, POLICY, aws_auth(masters, name="aws-auth-copy")) == []
    assert violations(zone_pack, POLICY, aws_auth(masters, namespace="default")) == []
    autonamed = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"namespace": UNKNOWN}, "data": {}}, name="c")
    assert violations(zone_pack, POLICY, autonamed) == []


def test_unknown_or_unreadable_mappings_are_reported(zone_pack):
    unknown = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "aws-auth", "namespace": "kube-system"},
                                                        "data": {"mapRoles": UNKNOWN}}, name="auth")
    found = violations(zone_pack, POLICY, unknown)
    assert found and "cannot be verified" in found[0].message and "data.mapRoles" in found[0].message
    broken = resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "aws-auth", "namespace": "kube-system"},
                                                       "data": {"mapRoles": "- rolearn: [unclosed"}}, name="auth")
    found = violations(zone_pack, POLICY, broken)
    assert found and "not YAML" in found[0].message
