"""Optional image signature verification (zone setting `workloads.require_signed_images`).

OFF by default in the in-cluster program: it needs Kyverno installed in the cluster (a controller
and webhook this project does not deploy) and the signer's public key. Without it, signatures are
checked at promotion into the zone registry (issue #5 intake manifest), and admission still
enforces registry and digest pinning (WorkloadAdmission), so only promoted, immutable images run.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s


@dataclass
class ImageSignaturesArgs:
    zone_name: str
    registry: pulumi.Input[str]
    # Cosign public key (PEM) of the zone's promotion signer.
    public_key_pem: str


class ImageSignatures(pulumi.ComponentResource):
    """A Kyverno ClusterPolicy that rejects pods whose zone-registry images are unsigned."""

    def __init__(self, name: str, args: ImageSignaturesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("regzone:k8s:ImageSignatures", name, None, opts)
        if "BEGIN PUBLIC KEY" not in args.public_key_pem:
            raise ValueError(f"ImageSignatures {name}: public_key_pem is not a PEM public key")
        k8s.apiextensions.CustomResource(
            f"{name}-verify-images",
            api_version="kyverno.io/v1",
            kind="ClusterPolicy",
            metadata={"name": f"regzone-{args.zone_name}-verify-images"},
            spec={
                "validationFailureAction": "Enforce",
                "background": False,
                "webhookTimeoutSeconds": 30,
                "rules": [{
                    "name": "zone-registry-images-are-signed",
                    "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                    "verifyImages": [{
                        "imageReferences": [pulumi.Output.from_input(args.registry).apply(
                            lambda registry: f"{registry.rstrip('/')}/*")],
                        "verifyDigest": True,
                        "required": True,
                        "mutateDigest": False,
                        "attestors": [{"entries": [{"keys": {"publicKeys": args.public_key_pem}}]}],
                    }],
                }],
            },
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
