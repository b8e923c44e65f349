"""Every policy module in this package is loaded; each declares its policies with the framework's
decorators. Adding a module is all it takes to add policies to the pack."""
from __future__ import annotations

import importlib
import pkgutil

from pulumi_policy import Policy

from regulated_ai.framework import registered_policies


def load_policy_modules() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


def all_policies() -> list[Policy]:
    load_policy_modules()
    return registered_policies()
