"""Shared fixtures: stack config dicts as a stack file would hold them."""
import copy

import pytest
import yaml

from regzone.paths import STACKS_DIR


@pytest.fixture
def dev_config() -> dict:
    """A deep copy of stacks/Pulumi.dev.yaml's `config:` map, for tests to break."""
    document = yaml.safe_load((STACKS_DIR / "Pulumi.dev.yaml").read_text())
    return copy.deepcopy(document["config"])
