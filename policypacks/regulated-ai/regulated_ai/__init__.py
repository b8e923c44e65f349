"""Policies of the regulated-ai pack and the small framework they share."""
