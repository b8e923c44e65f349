"""Tooling for regulated AI zones: config model, control catalog, offline preview, evidence."""
