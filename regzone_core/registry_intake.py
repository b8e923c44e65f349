"""The intake manifest of a zone registry (seed 001: every promoted artifact with its source,
checksum, signer and approval), kept in one SSM parameter per zone. The RestrictedRegistry
component writes it; a deployment record reads the promoted images, by digest, from the deployed
state's copy of it."""
from __future__ import annotations

import json
from typing import Any

PARAMETER = "/regzone/{zone}/registry/intake-manifest"


def parameter_name(zone: str) -> str:
    return PARAMETER.format(zone=zone)


def promoted_images(manifest: str, zone: str) -> list[dict[str, Any]]:
    """Each promoted image as the zone's workloads run it: repository `<zone>/<repo>`, the immutable
    tag it was promoted under, and its digest (the intake checksum). Raises ValueError when the
    manifest is not one the component writes."""
    document = json.loads(manifest)
    artifacts = document.get("artifacts") if isinstance(document, dict) else None
    if not isinstance(artifacts, list) or document.get("zone") != zone:
        raise ValueError(f"not the intake manifest of zone {zone}")
    images = []
    for artifact in artifacts:
        if not isinstance(artifact, dict) or not all(isinstance(artifact.get(k), str)
                                                     for k in ("repository", "tag", "checksum")):
            raise ValueError("an artifact lacks its repository, tag or checksum")
        images.append({"repository": f"{zone}/{artifact['repository']}", "tag": artifact["tag"],
                       "digest": artifact["checksum"]})
    return sorted(images, key=lambda image: (image["repository"], image["tag"]))
