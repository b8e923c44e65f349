"""Config access for the running Pulumi program (the CLI passes config through the runtime)."""
from __future__ import annotations

import pulumi
import pulumi.runtime.config as runtime_config

from regzone.config.loader import parse_stack_config
from regzone.config.model import StackConfig


def stack_config_from_runtime() -> StackConfig:
    """Validated config of the current stack; a `ConfigError` names the offending key."""
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_stack_config(values, f"stacks/Pulumi.{pulumi.get_stack()}.yaml")
