"""Coverage is derived from the repository, and only a justification excuses a missing implementation."""
from pathlib import Path

import pytest

from regzone.catalog import Catalog, Control, load_catalog
from regzone.matrix import gaps
from regzone.matrix.model import Repository, build_matrix

REQUIREMENTS = {"SOX": ["ITGC"], "HIPAA": ["164.312(a)(1)"], "PCI-DSS": ["3.6.1"], "GDPR": ["Art. 32(1)(a)"]}


def control(**overrides) -> Control:
    fields = dict(id="RAZ-TST-001", title="t", description="d", severity="high", requirements=REQUIREMENTS,
                  remediation="r", component="components.widget.Widget", policies=["widget-policy"],
                  evidence=["widget_check"], justification=None)
    fields.update(overrides)
    return Control.model_construct(**fields)  # bypasses the catalog's own gap validation on purpose


def catalog_of(*controls: Control) -> Catalog:
    real = load_catalog()
    return Catalog.model_construct(version=1, docs_url=real.docs_url, frameworks=real.frameworks,
                                   data_class_frameworks={}, controls=list(controls))


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path):
    """A repository in which RAZ-TST-001 is fully implemented and tested."""
    write(tmp_path, "components/widget.py", "class Widget:\n    pass\n")
    write(tmp_path, "tests/test_widget.py", "from components.widget import Widget\n")
    write(tmp_path, "policypacks/regulated-ai/tests/test_widget_policy.py", 'POLICY = "widget-policy"\n')
    write(tmp_path, "regzone/evidence/checks/widget_check/check.py", "")
    write(tmp_path, "tests/evidence/test_widget_check.py", 'CHECK = "widget_check"\n')
    return tmp_path


def rows(root, *controls, defined=frozenset({"widget-policy"})):
    repository = Repository(root, root / "policypacks" / "regulated-ai")
    return build_matrix(catalog_of(*controls), set(defined), repository)


def test_complete_control_has_no_gap(repo):
    (row,) = rows(repo, control())
    assert row.gaps() == [] and row.status == "complete"
    assert row.component.tests == ["tests/test_widget.py"] and row.component.source == "components/widget.py"
    assert row.policies[0].tests == ["policypacks/regulated-ai/tests/test_widget_policy.py"]
    assert row.evidence[0].source == "regzone/evidence/checks/widget_check/check.py"


def test_untested_policy_is_a_gap_even_with_a_justification(repo):
    (repo / "policypacks/regulated-ai/tests/test_widget_policy.py").unlink()
    (row,) = rows(repo, control(justification="something else"))
    assert row.gaps() == ["policy widget-policy has no test"] and row.status == "gap"


def test_policy_the_pack_does_not_serve_is_a_gap(repo):
    (row,) = rows(repo, control(), defined=set())
    assert row.gaps() == ["policy widget-policy is named in the catalog but not defined"]


def test_missing_component_class_and_evidence_check(repo):
    write(repo, "components/widget.py", "class Gadget:\n    pass\n")
    (repo / "regzone/evidence/checks/widget_check/check.py").unlink()
    (row,) = rows(repo, control())
    assert row.gaps() == ["component components.widget.Widget is named in the catalog but not defined",
                          "evidence widget_check is named in the catalog but not defined"]


def test_absence_needs_a_justification(repo):
    unjustified = control(id="RAZ-TST-002", evidence=[])
    justified = control(id="RAZ-TST-003", evidence=[], justification="only observable at deletion time")
    found = gaps(rows(repo, unjustified, justified))
    assert found == {"RAZ-TST-002": ["no evidence check and no justification"]}
    assert rows(repo, justified)[0].status == "justified"


def test_references_must_be_whole_names(repo):
    write(repo, "policypacks/regulated-ai/tests/test_widget_policy.py", 'POLICY = "widget-policy-v2"\n')
    write(repo, "tests/evidence/test_widget_check.py", 'CHECK = "widget_check_extra"\n')
    (row,) = rows(repo, control())
    assert row.gaps() == ["policy widget-policy has no test", "evidence widget_check has no test"]


def test_evidence_tests_only_count_under_tests_evidence(repo):
    (repo / "tests/evidence/test_widget_check.py").unlink()
    write(repo, "tests/test_other.py", 'CHECK = "widget_check"\n')
    (row,) = rows(repo, control())
    assert row.gaps() == ["evidence widget_check has no test"]


def test_the_matrix_own_tests_do_not_count(repo):
    (repo / "tests/test_widget.py").unlink()
    write(repo, "tests/matrix/test_matrix.py", "Widget = 'components.widget.Widget'\n")
    (row,) = rows(repo, control())
    assert row.gaps() == ["component components.widget.Widget has no test"]


def test_function_and_module_components(repo):
    write(repo, "components/logs.py", "def zone_log_group(name):\n    return name\n")
    write(repo, "regzone/tags.py", "TAGS = {}\n")
    write(repo, "tests/test_logs.py", "from components.logs import zone_log_group\nimport regzone.tags\n")
    function, module, missing = rows(repo, control(component="components.logs.zone_log_group"),
                                     control(id="RAZ-TST-002", component="regzone.tags"),
                                     control(id="RAZ-TST-003", component="components.logs.absent"))
    assert function.component.exists and function.component.tests == ["tests/test_logs.py"]
    assert module.component.exists and module.component.source == "regzone/tags.py"
    assert module.component.tests == ["tests/test_logs.py"]
    assert missing.gaps() == ["component components.logs.absent is named in the catalog but not defined"]
