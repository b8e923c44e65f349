"""EKS versions: a cluster may only use a Kubernetes version in EKS standard support on the
(pinned) date, with the add-on versions the catalog pins for it; the calendar is data with its source."""
import datetime

import pytest

from regzone.clock import TODAY_ENV, today
from regzone.config import ConfigError
from regzone.config.loader import parse_stack_config
from regzone.eks_versions import eks_calendar


def _cluster(config):
    return config["regzone:zones"][0]["cluster"]


def _error(config) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, "stacks/Pulumi.dev.yaml")
    return str(raised.value)


def test_the_suite_runs_on_a_pinned_date():
    assert today() == datetime.date(2026, 11, 30)  # conftest.py at the repository root


def test_calendar_names_its_source_and_default():
    calendar = eks_calendar()
    assert calendar.source.startswith("https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html")
    assert calendar.versions["1.33"].end_of_standard_support == datetime.date(2026, 7, 29)
    assert calendar.default in calendar.in_standard_support(today())


def test_default_version_and_pinned_addons_apply(dev_config):
    del _cluster(dev_config)["kubernetes_version"]
    cluster = parse_stack_config(dev_config, "dev").zones[0].cluster
    assert cluster.kubernetes_version == eks_calendar().default
    assert cluster.addons.model_dump() == eks_calendar().addons[cluster.kubernetes_version].model_dump()
    assert cluster.addons.kube_proxy.startswith(f"v{cluster.kubernetes_version}.")


def test_version_out_of_standard_support_is_refused(dev_config):
    """1.33 left standard support on 2026-07-29: refused, listing what is supported."""
    _cluster(dev_config)["kubernetes_version"] = "1.33"
    _cluster(dev_config)["addons"] = {"vpc_cni": "v1.20.4-eksbuild.1", "coredns": "v1.12.4-eksbuild.1",
                                      "kube_proxy": "v1.33.5-eksbuild.2", "eks_pod_identity_agent": "v1.3.10-eksbuild.3"}
    message = _error(dev_config)
    assert "cluster.kubernetes_version = '1.33': left EKS standard support on 2026-07-29" in message
    assert "valid (standard support on 2026-11-30): 1.34, 1.35" in message


def test_default_expires_with_the_calendar(dev_config, monkeypatch):
    """The expired path of the pinned default itself: after 2027-03-27 the reference stacks' 1.35 is refused."""
    monkeypatch.setenv(TODAY_ENV, "2027-03-27")
    message = _error(dev_config)
    assert "cluster.kubernetes_version = '1.35': left EKS standard support on 2027-03-27" in message
    assert "valid (standard support on 2027-03-27): none (update catalog/eks_versions.yaml)" in message


def test_unknown_version_is_refused(dev_config):
    _cluster(dev_config)["kubernetes_version"] = "1.99"
    message = _error(dev_config)
    assert "cluster.addons: is required: catalog/eks_versions.yaml pins no add-on versions for Kubernetes 1.99" \
        in message
    _cluster(dev_config)["addons"] = {"vpc_cni": "v1.21.1-eksbuild.8", "coredns": "v1.14.2-eksbuild.4",
                                      "kube_proxy": "v1.99.0-eksbuild.1", "eks_pod_identity_agent": "v1.3.10-eksbuild.3"}
    assert "cluster.kubernetes_version = '1.99': is not in the EKS release calendar" in _error(dev_config)


def test_malformed_pinned_date_is_an_error(monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    with pytest.raises(ValueError, match="REGZONE_TODAY = 'tomorrow' is not a date"):
        today()
