"""The stacks a program builds on, recorded offline so that its StackReferences have answers:
the zone program reads its account baseline (`regzone:baseline_stack`), the in-cluster program
its zone stack (`regzone-incluster:zone_stack`, which reads its baseline in turn).

A referenced stack is recorded from its own stack file in this repository, as a deployed stack
would have been deployed from it; what is missing is a ConfigError that says what to write or run.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from regzone.config.baseline import baseline_file, load_baseline
from regzone.config.errors import ConfigError
from regzone.config.loader import CONFIG_NAMESPACE, parse_stack_config, read_stack_file
from regzone.paths import BASELINE_DIR, STACKS_DIR
from regzone.preview.recorder import ORGANIZATION, PROJECT, record_program
from regzone.zone_stack import (baseline_project, check_baseline_stack, qualified_baseline_stack,
                                qualified_zone_stack, stack_name, zone_stack_name)

BASELINE_KEY = f"{CONFIG_NAMESPACE}:baseline_stack"
# A program other than the zone program names the zone stack it builds on as `<project>:zone_stack`
# (e.g. incluster/: `regzone-incluster:zone_stack: dev`, see regzone/zone_stack.py).
ZONE_STACK_KEY = "zone_stack"


def _files_of(name: str) -> tuple[str, ...]:
    """The text of a baseline stack file and of every zone stack file it reads: the recording's inputs."""
    baseline = load_baseline(name)
    texts = [baseline_file(name).read_text(encoding="utf-8")]
    texts += [(STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8") for stack in sorted(baseline.zone_stacks)]
    return tuple(texts)


@lru_cache(maxsize=16)
def _baseline_outputs(name: str, _files: tuple[str, ...]) -> dict[str, Any]:
    """Recorded once per content of its files (the suite records the zone stacks many times)."""
    recording = record_program(BASELINE_DIR, name, read_stack_file(baseline_file(name)), project=baseline_project(),
                               stack_outputs={})
    return recording.outputs


def baseline_outputs(reference: str, source: str) -> dict[str, dict[str, Any]]:
    """The recorded outputs of the account baseline `reference` names, keyed as the zone program's
    StackReference names it."""
    try:
        qualified = qualified_baseline_stack(reference, ORGANIZATION)
    except ValueError as err:
        raise ConfigError(f"{source}: {BASELINE_KEY} = {reference!r}: {err}") from None
    name = stack_name(check_baseline_stack(reference))
    return {qualified: copy.deepcopy(_baseline_outputs(name, _files_of(name)))}


def zone_stack_names(project: str, reference: str, source: str) -> tuple[str, str]:
    """The zone stack a program names: its own name and the qualified name its StackReference reads."""
    try:
        return zone_stack_name(reference), qualified_zone_stack(reference, ORGANIZATION)
    except ValueError as err:
        raise ConfigError(f"{source}: {project}:{ZONE_STACK_KEY} = {reference!r}: {err}") from None


def zone_outputs(project: str, reference: str, source: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The zone stack a program names (its name, and its recorded outputs keyed as the program's
    StackReference names it)."""
    name, qualified = zone_stack_names(project, reference, source)
    path = STACKS_DIR / f"Pulumi.{name}.yaml"
    config = read_stack_file(path)
    parse_stack_config(config, str(path))   # a bad zone config is a ConfigError before anything is recorded
    zone = record_program(STACKS_DIR, name, config)
    return name, {qualified: zone.outputs}


def referenced_outputs(project: str, config: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    """Outputs of every stack the program's config references, recorded first."""
    if project == PROJECT:
        reference = config.get(BASELINE_KEY)
        return baseline_outputs(str(reference), source) if reference else {}
    if project == baseline_project() or not any(k.startswith(f"{project}:") for k in config):
        return {}
    reference = config.get(f"{project}:{ZONE_STACK_KEY}")
    return zone_outputs(project, str(reference), source)[1] if reference else {}

