"""The shipped action catalogue is the IAM linter's (both from the Service Authorization Reference)."""
import json
from pathlib import Path

import parliament

from regzone_core.policy.catalogue import expand, service_actions


def test_kms_catalogue_equals_the_linters_definitions():
    definitions = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    linter = {f"kms:{p['privilege']}" for s in definitions if s["prefix"] == "kms" for p in s["privileges"]}
    assert service_actions("kms") == linter


def test_groups_are_catalogued_and_disjoint():
    use, administration = service_actions("kms", "use"), service_actions("kms", "administration")
    assert use | administration <= service_actions("kms") and not use & administration


def test_wildcards_and_not_action_expand_to_names():
    assert "kms:CreateGrant" in expand(["kms:Create*"], "kms")
    assert expand(["KMS:DECRYPT"], "kms") == {"kms:Decrypt"}
    assert "kms:Decrypt" not in expand(["kms:Decrypt"], "kms", negated=True)
    assert len(expand(["kms:Decrypt"], "kms", negated=True)) == len(service_actions("kms")) - 1
