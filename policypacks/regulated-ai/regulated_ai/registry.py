"""The zone's private ECR registry as image references name it: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>`
(Amazon ECR User Guide, "Private registry concepts"). Container images of Kubernetes workloads and of
SageMaker models, jobs and images are judged against it alike."""
from __future__ import annotations

import re

from regulated_ai.settings import Settings

ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
                       r"[a-z0-9][a-z0-9._/-]*")


def registry_regions(settings: Settings) -> set[str]:
    """Regions a zone registry may be in: the pack's allowed regions and every zone's."""
    return set(settings.allowed_regions) | {r for zone in settings.zones.values() for r in zone.regions}


def foreign_image(image: str, settings: Settings, account: str | None = None) -> str | None:
    """Why `image` is not an image of the zone registry (None when it is). With `account`, the
    registry must also be that account's."""
    match = ECR_IMAGE.match(image or "")
    if match is None:
        return "is not from a private ECR registry; promote it into the zone registry and reference it there"
    regions = registry_regions(settings)
    if match["region"] not in regions:
        allowed = ", ".join(sorted(regions)) or "none (set allowed_regions or zones in the pack config)"
        return f"is from a registry in {match['region']}; allowed registry regions: {allowed}"
    if account is not None and match["account"] != account:
        return f"is from the registry of account {match['account']}, not the zone's account {account}"
    return None
