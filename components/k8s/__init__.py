"""Kubernetes components of a zone, applied by the in-cluster program (incluster/) from inside the VPC."""
