"""How a program names another program's stack that it builds on: the in-cluster program the zone
stack (`regzone-incluster:zone_stack`), the zone program the account baseline (`regzone:baseline_stack`).

The CLI resolves a StackReference name against the RUNNING program's project: `stack` and `org/stack`
become `<org>/<running project>/stack`, and the self-managed backend accepts only the organization
`organization` (pulumi/pulumi pkg/backend/httpstate/backend.go ParseStackReference, pkg/backend/diy/store.go
ParseReference). The referenced stack belongs to another project, so its reference must be fully qualified.
Config names either the stack alone (`dev`), qualified here with the organization the program runs under
(`pulumi.get_organization()`: the Pulumi Cloud organization, or `organization` on the self-managed backend,
pkg/backend/diy/state.go) and the referenced project, or the fully qualified `<org>/<project>/<stack>`.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from regzone.paths import BASELINE_DIR, REPO_ROOT

_SEGMENT = r"[A-Za-z0-9_.-]+"


@cache
def project_name(project_file: Path) -> str:
    """`name` of a Pulumi.yaml."""
    return str(yaml.safe_load(project_file.read_text(encoding="utf-8"))["name"])


def zone_project() -> str:
    """The zone program's project name: `name` of the repository's Pulumi.yaml."""
    return project_name(REPO_ROOT / "Pulumi.yaml")


def baseline_project() -> str:
    """The account baseline's project name: `name` of baseline/Pulumi.yaml."""
    return project_name(BASELINE_DIR / "Pulumi.yaml")


def check_stack_reference(value: str, project: str, config_dir: str, kind: str) -> str:
    """`value` if it names a stack of `project` unambiguously; a ValueError saying what is valid otherwise."""
    valid = f"valid: the {kind} stack's name (`dev`) or `<organization>/{project}/<stack>`"
    parts = value.split("/")
    if not all(re.fullmatch(_SEGMENT, part) for part in parts) or len(parts) > 3:
        raise ValueError(f"is not a stack reference; {valid}")
    if len(parts) == 2:
        raise ValueError(f"is ambiguous: the Pulumi CLI reads `<organization>/<stack>` as a stack of the running "
                         f"project, not of `{project}`; {valid}")
    if len(parts) == 3 and parts[1] != project:
        raise ValueError(f"names project `{parts[1]}`; the {kind} config is read from this repository's "
                         f"{config_dir}/Pulumi.<stack>.yaml, whose project is `{project}`; {valid}")
    return value


def check_zone_stack(value: str) -> str:
    return check_stack_reference(value, zone_project(), "stacks", "zone")


def check_baseline_stack(value: str) -> str:
    return check_stack_reference(value, baseline_project(), "baseline", "baseline")


def stack_name(value: str) -> str:
    """The referenced stack's own name (a checked reference): its config is <dir>/Pulumi.<name>.yaml."""
    return value.rsplit("/", 1)[-1]


def zone_stack_name(value: str) -> str:
    """The zone stack's own name: its config is stacks/Pulumi.<name>.yaml."""
    return stack_name(check_zone_stack(value))


def qualified_stack(value: str, organization: str, project: str) -> str:
    """The name a StackReference needs: `<organization>/<project>/<stack>`."""
    return value if "/" in value else f"{organization}/{project}/{value}"


def qualified_zone_stack(value: str, organization: str) -> str:
    return qualified_stack(check_zone_stack(value), organization, zone_project())


def qualified_baseline_stack(value: str, organization: str) -> str:
    return qualified_stack(check_baseline_stack(value), organization, baseline_project())
