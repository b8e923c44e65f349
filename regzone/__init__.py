"""Tooling for regulated AI zones: config model, control catalog, offline preview, evidence."""

from importlib import metadata as _metadata


def version() -> str:
    """The installed package's version, which reports name as the tool's version."""
    try:
        return _metadata.version("regulated-ai-zones")
    except _metadata.PackageNotFoundError:
        return "0.0.0"
