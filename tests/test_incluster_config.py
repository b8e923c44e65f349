"""`regzone-incluster:zone_stack` resolves on Pulumi Cloud and on the self-managed backend: a bare stack
name is qualified with the running organization and the zone project; forms the CLI would resolve against
the in-cluster project instead are refused with the key named."""
import pytest

from components.k8s.incluster_config import parse_incluster_config
from regzone.config import ConfigError
from regzone.config.loader import read_stack_file
from regzone.paths import REPO_ROOT
from regzone.preview import recorder
from regzone.preview.recorder import record_program
from regzone.preview.run import _zone_context
from regzone.zone_stack import zone_project

INCLUSTER = REPO_ROOT / "incluster"
KEY = "regzone-incluster:zone_stack"


def settings(zone_stack):
    return parse_incluster_config({KEY: zone_stack, "regzone-incluster:zone": "dev-ai"}, "Pulumi.test.yaml")


def test_zone_project_is_the_root_pulumi_yaml_name():
    assert zone_project() == "regzone"


@pytest.mark.parametrize("organization", ["organization", "acme-bank"])
def test_bare_stack_name_is_qualified_with_the_running_organization(organization):
    parsed = settings("dev")
    assert parsed.zone_stack_name == "dev"
    assert parsed.zone_stack_reference(organization) == f"{organization}/regzone/dev"


def test_fully_qualified_reference_is_kept():
    parsed = settings("acme-bank/regzone/prod")
    assert parsed.zone_stack_name == "prod"
    assert parsed.zone_stack_reference("someone-else") == "acme-bank/regzone/prod"


@pytest.mark.parametrize("value, says", [
    ("organization/dev", "ambiguous"),                 # the CLI would read organization/regzone-incluster/dev
    ("acme-bank/regzone-incluster/dev", "names project `regzone-incluster`"),
    ("a/regzone/dev/x", "is not a stack reference"),
    ("dev stack", "is not a stack reference"),
])
def test_references_the_cli_would_resolve_elsewhere_are_refused(value, says):
    with pytest.raises(ConfigError) as err:
        settings(value)
    assert f"{KEY} = {value!r}" in str(err.value) and says in str(err.value)
    assert "valid: the zone stack's name (`dev`) or `<organization>/regzone/<stack>`" in str(err.value)


def test_committed_incluster_stack_names_the_zone_stack_portably():
    """A reference that only resolves on one backend (`organization/...` is the self-managed one's) is not
    what the reference stack shows."""
    config = read_stack_file(INCLUSTER / "Pulumi.dev.yaml")
    assert config[KEY] == "dev"


@pytest.mark.parametrize("organization", ["organization", "acme-bank"])
def test_program_reads_the_zone_stack_of_its_own_organization(monkeypatch, organization):
    """The program's StackReference is `<get_organization()>/regzone/dev`: the mocks answer only that name."""
    monkeypatch.setattr(recorder, "ORGANIZATION", organization)
    config = read_stack_file(INCLUSTER / "Pulumi.dev.yaml")
    zone_outputs = {"clusters": {"dev-ai": {"name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c",
                                            "endpoint": "https://c", "certificate_authority": "Y2E="}},
                    "zones": {"dev-ai": {"key_arns": {"data": "arn:aws:kms:eu-west-1:111122223333:key/k"},
                                         "endpoint_subnet_cidrs": ["10.40.0.0/20"]}}}
    recording = record_program(INCLUSTER, "dev", config, project="regzone-incluster",
                               stack_outputs={f"{organization}/regzone/dev": zone_outputs})
    assert any(r.type == "kubernetes:core/v1:Namespace" for r in recording.resources)
    with pytest.raises(ConfigError, match=f"zone stack {organization}/regzone/dev has no output"):
        record_program(INCLUSTER, "dev", config, project="regzone-incluster",
                       stack_outputs={"elsewhere/regzone/dev": zone_outputs})


def test_offline_harness_refuses_an_ambiguous_reference_before_recording():
    with pytest.raises(ConfigError, match=r"zone_stack = 'organization/dev': is ambiguous"):
        _zone_context("regzone-incluster", {KEY: "organization/dev"}, "incluster/Pulumi.dev.yaml")
