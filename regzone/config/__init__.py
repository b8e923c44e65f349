"""The zone config model: what a stack's `regzone:*` config may say, validated before any resource."""
from regzone.config.errors import ConfigError
from regzone.config.loader import CONFIG_NAMESPACE, load_stack_file, parse_stack_config
from regzone.config.model import StackConfig, Workload, Zone

__all__ = ["CONFIG_NAMESPACE", "ConfigError", "StackConfig", "Workload", "Zone",
           "load_stack_file", "parse_stack_config"]
