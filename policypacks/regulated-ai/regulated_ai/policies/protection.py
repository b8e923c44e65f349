"""Resources whose loss destroys evidence or data must be `protect`ed (RAZ-KMS-004 and audit controls)."""
from __future__ import annotations

from collections.abc import Iterator

from regulated_ai.framework import ResourceView, resource_policy
from regulated_ai.types import KMS_KEY

# Types that hold keys or audit evidence. Extend when a component creates another such resource.
PROTECTED_TYPES = [KMS_KEY]


@resource_policy(
    "regulated-resource-protected",
    description="Keys, audit buckets and audit logs must be created with Pulumi's protect option.",
    controls=["RAZ-KMS-004"], types=PROTECTED_TYPES)
def regulated_resource_protected(resource: ResourceView) -> Iterator[str]:
    if not resource.protect:
        yield (f"'{resource.name}' ({resource.type}) is not protected: a destroy or refactor could delete it. "
               "Set opts=ResourceOptions(protect=True).")
