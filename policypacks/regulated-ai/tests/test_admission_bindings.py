"""RAZ-K8S-011 over the analyzer protocol: bindings of a zone's admission policies deny, the policies fail
closed; patches are judged on what they set; other policies' bindings are not the zone's."""
import pytest

from analyzer_helpers import resource, violations
from regulated_ai.types import K8S_ADMISSION_BINDINGS, K8S_ADMISSION_POLICIES

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ZONE_POLICY = "regzone-dev-ai-workloads"
BINDS = "k8s-zone-admission-binding-denies"
FAILS = "k8s-zone-admission-fails-closed"


def binding(type_token, actions, policy=ZONE_POLICY, name=ZONE_POLICY):
    spec = {"policyName": policy} if policy else {}
    if actions is not None:
        spec["validationActions"] = actions
    return resource(type_token, {"metadata": {"name": name}, "spec": spec}, name="b")


@pytest.mark.parametrize("kind", K8S_ADMISSION_BINDINGS)
def test_a_denying_binding_passes(pack, kind):
    assert violations(pack, BINDS, binding(kind, ["Deny", "Audit"])) == []


@pytest.mark.parametrize("kind", K8S_ADMISSION_BINDINGS)
@pytest.mark.parametrize("actions", [["Warn"], ["Audit"], ["Warn", "Audit"], []])
def test_a_binding_that_only_warns_fires(pack, kind, actions):
    found = violations(pack, BINDS, binding(kind, actions, name="extra"))
    assert found and "without Deny" in found[0].message and "RAZ-K8S-011" in found[0].message


def test_a_patch_of_the_zone_binding_is_judged_on_what_it_sets(pack):
    patch = f"{K8S_ADMISSION_BINDINGS[0]}Patch"
    assert violations(pack, BINDS, binding(patch, None, policy=None)) == []
    assert violations(pack, BINDS, binding(patch, ["Warn"], policy=None))


def test_a_list_item_is_judged(pack):
    items = [{"metadata": {"name": "a"}, "spec": {"policyName": ZONE_POLICY, "validationActions": ["Deny"]}},
             {"metadata": {"name": "b"}, "spec": {"policyName": "regzone-dev-ai-services",
                                                  "validationActions": ["Warn"]}}]
    found = violations(pack, BINDS, resource(f"{K8S_ADMISSION_BINDINGS[0]}List", {"items": items}, name="l"))
    assert len(found) == 1 and "l.items[1]" in found[0].message


def test_bindings_of_other_policies_may_warn(pack):
    assert violations(pack, BINDS, binding(K8S_ADMISSION_BINDINGS[0], ["Warn"], policy="team-rollout",
                                           name="team-rollout")) == []


def test_an_unknown_policy_name_or_actions_is_reported(pack):
    for found in (violations(pack, BINDS, binding(K8S_ADMISSION_BINDINGS[0], ["Warn"], policy=UNKNOWN, name="x")),
                  violations(pack, BINDS, binding(K8S_ADMISSION_BINDINGS[0], UNKNOWN))):
        assert found and "cannot be verified" in found[0].message


def admission_policy(type_token, **spec):
    return resource(type_token, {"metadata": {"name": ZONE_POLICY}, "spec": spec}, name="p")


@pytest.mark.parametrize("kind", K8S_ADMISSION_POLICIES)
def test_a_zone_policy_failing_closed_passes(pack, kind):
    assert violations(pack, FAILS, admission_policy(kind, failurePolicy="Fail")) == []
    assert violations(pack, FAILS, admission_policy(kind)) == []  # Fail is the default


@pytest.mark.parametrize("kind", [*K8S_ADMISSION_POLICIES, f"{K8S_ADMISSION_POLICIES[0]}Patch"])
def test_a_zone_policy_that_ignores_failures_fires(pack, kind):
    found = violations(pack, FAILS, admission_policy(kind, failurePolicy="Ignore"))
    assert found and "failurePolicy 'Ignore'" in found[0].message


def test_zone_policy_names_are_those_of_workload_admission():
    """WorkloadAdmission names its policies and bindings from ADMISSION_POLICY_NAMES; the pack matches those."""
    from regulated_ai.policies.admission import zone_policy_name
    assert zone_policy_name("regzone-dev-ai-workloads") and zone_policy_name("regzone-pci-services")
    assert not zone_policy_name("regzone-dev-ai-other")
