"""How a program that builds on a zone (incluster/) names the zone stack it reads.

The CLI resolves a StackReference name against the RUNNING program's project: `stack` and `org/stack`
become `<org>/<running project>/stack`, and the self-managed backend accepts only the organization
`organization` (pulumi/pulumi pkg/backend/httpstate/backend.go ParseStackReference, pkg/backend/diy/store.go
ParseReference). The zone stack belongs to another project, so its reference must be fully qualified.
Config names either the zone stack alone (`dev`), qualified here with the organization the program runs
under (`pulumi.get_organization()`: the Pulumi Cloud organization, or `organization` on the self-managed
backend, pkg/backend/diy/state.go) and the zone project, or the fully qualified `<org>/<zone project>/<stack>`.
"""
from __future__ import annotations

import re
from functools import cache

import yaml

from regzone.paths import REPO_ROOT

_SEGMENT = r"[A-Za-z0-9_.-]+"


@cache
def zone_project() -> str:
    """The zone program's project name: `name` of the repository's Pulumi.yaml."""
    return str(yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["name"])


def check_zone_stack(value: str) -> str:
    """`value` if it names a zone stack unambiguously; a ValueError saying what is valid otherwise."""
    project = zone_project()
    valid = f"valid: the zone stack's name (`dev`) or `<organization>/{project}/<stack>`"
    parts = value.split("/")
    if not all(re.fullmatch(_SEGMENT, part) for part in parts) or len(parts) > 3:
        raise ValueError(f"is not a stack reference; {valid}")
    if len(parts) == 2:
        raise ValueError(f"is ambiguous: the Pulumi CLI reads `<organization>/<stack>` as a stack of the running "
                         f"project, not of the zone project `{project}`; {valid}")
    if len(parts) == 3 and parts[1] != project:
        raise ValueError(f"names project `{parts[1]}`; the zone config is read from this repository's "
                         f"stacks/Pulumi.<stack>.yaml, whose project is `{project}`; {valid}")
    return value


def zone_stack_name(value: str) -> str:
    """The zone stack's own name: its config is stacks/Pulumi.<name>.yaml."""
    return check_zone_stack(value).rsplit("/", 1)[-1]


def qualified_zone_stack(value: str, organization: str) -> str:
    """The name a StackReference needs: `<organization>/<zone project>/<stack>`."""
    if "/" in check_zone_stack(value):
        return value
    return f"{organization}/{zone_project()}/{value}"
