"""The control catalog's YAML files as this package ships them.

`catalog/` at the repository root is the single source; `make catalog-data` copies it into
`regzone/catalog_data/`, which the wheel carries as package data (a test keeps the copy equal to the
source). Code reads the catalog only through here, so it works the same from a checkout, an editable
install and an installed wheel, such as the one a published policy pack installs from its requirements.
"""
from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

CATALOG_PACKAGE = "regzone"
CATALOG_DATA_DIR = "catalog_data"


def catalog_data() -> Traversable:
    """The shipped copy of `catalog/`."""
    return files(CATALOG_PACKAGE) / CATALOG_DATA_DIR


def load_catalog_yaml(name: str) -> Any:
    """The parsed YAML document `catalog/<name>` as shipped in this package."""
    with (catalog_data() / name).open("r", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
