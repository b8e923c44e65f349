"""The catalog and the pack agree: every policy names catalog controls, every control's policies exist."""
from regulated_ai.framework import policy_controls
from regulated_ai.policies import all_policies
from regzone.catalog import load_catalog


def test_every_policy_names_existing_controls():
    all_policies()
    ids = {c.id for c in load_catalog().controls}
    for policy, controls in policy_controls().items():
        assert controls, f"{policy} names no control"
        missing = set(controls) - ids
        assert not missing, f"policy {policy} names controls not in the catalog: {missing}"


def test_every_catalog_policy_exists_and_maps_back():
    names = {p.name for p in all_policies()}
    mapping = policy_controls()
    for control in load_catalog().controls:
        for policy in control.policies:
            assert policy in names, f"{control.id} names policy {policy}, which the pack does not define"
            assert control.id in mapping[policy], f"policy {policy} does not name {control.id}"


def test_policy_metadata_comes_from_catalog():
    policy = next(p for p in all_policies() if p.name == "kms-key-rotation-enabled")
    assert "control:RAZ-KMS-001" in policy.tags
    assert "HIPAA:164.312(a)(2)(iv)" in policy.tags
    assert policy.framework.name == "SOX" and policy.url.endswith("#raz-kms-001")
    assert policy.remediation_steps.startswith("RAZ-KMS-001:")
