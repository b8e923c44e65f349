"""Pulumi ComponentResources for regulated AI zones, one module per concern."""
