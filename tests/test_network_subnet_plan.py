"""The subnet plan: disjoint subnets inside the VPC, tiers sized as documented, clear errors."""
import ipaddress

import pytest

from components.subnet_plan import EDGE_PREFIX, MIN_WORKLOAD_PREFIX, SubnetPlanError, plan_subnets
from regzone.config.errors import ConfigError
from regzone.config.loader import parse_stack_config


def test_dev_layout():
    plan = plan_subnets("10.40.0.0/16", 2, internet_egress=True)
    assert [str(s) for s in plan.workload] == ["10.40.0.0/18", "10.40.64.0/18"]
    assert [str(s) for s in plan.firewall] == ["10.40.128.0/28", "10.40.128.16/28"]
    assert [str(s) for s in plan.egress] == ["10.40.128.32/28", "10.40.128.48/28"]


def test_air_gapped_plan_has_no_edge_subnets():
    plan = plan_subnets("10.40.0.0/16", 3, internet_egress=False)
    assert len(plan.workload) == 3 and plan.firewall == () and plan.egress == ()


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/20", "192.168.4.0/22"])
@pytest.mark.parametrize("az_count", [2, 3, 4, 5, 6])
def test_subnets_are_disjoint_inside_the_vpc(cidr, az_count):
    try:
        plan = plan_subnets(cidr, az_count, internet_egress=True)
    except SubnetPlanError:
        assert ipaddress.IPv4Network(cidr).prefixlen > 20  # only small ranges may be refused
        return
    subnets = plan.all_subnets()
    assert len(subnets) == 3 * az_count
    for i, a in enumerate(subnets):
        assert a.subnet_of(plan.vpc)
        assert all(not a.overlaps(b) for b in subnets[i + 1:])
    assert all(s.prefixlen <= MIN_WORKLOAD_PREFIX for s in plan.workload)
    assert all(s.prefixlen == EDGE_PREFIX for s in plan.firewall + plan.egress)


def test_too_small_range_names_the_range_and_a_fix():
    with pytest.raises(SubnetPlanError, match=r"10\.0\.0\.0/22 cannot hold 4 workload subnets.*/21"):
        plan_subnets("10.0.0.0/22", 4, internet_egress=False)


def test_config_rejects_a_range_too_small_for_the_az_count(dev_config):
    dev_config["aws:region"] = "us-east-1"
    dev_config["regzone:allowed_regions"] = ["us-east-1"]
    dev_config["regzone:zones"][0].update(az_count=4, vpc_cidr="10.40.0.0/22")
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(dev_config, source="test")
    message = str(raised.value)
    assert "(1 problem)" in message
    assert "regzone:zones[0].vpc_cidr = '10.40.0.0/22': 10.40.0.0/22 cannot hold 4 workload subnets" in message
