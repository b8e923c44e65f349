"""The record's own OpenLineage run facets (custom facets, `regzone_` prefix, as the spec asks of
facets outside it). Their JSON Schema ships beside this module (facets.schema.json); `_schemaURL`
points into it by a URN, because the schema has no fixed public address."""
from __future__ import annotations

from typing import Any

import attr
from openlineage.client.facet_v2 import RunFacet

SCHEMA_URN = "urn:regzone:deployment-record:facets:1"


@attr.define
class RecordRunFacet(RunFacet):
    """Where and how long this record is kept, and which key signs it."""
    zone: str
    project: str
    stack: str
    auditBucket: str  # noqa: N815
    retentionDays: int  # noqa: N815
    signingKey: str  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_URN}#/$defs/RecordRunFacet"


@attr.define
class ChangeRunFacet(RunFacet):
    """The change: commit, pull request, approvers, change reference and who ran the deployment."""
    commit: str | None
    pullRequest: str | None  # noqa: N815
    approvers: list[str]
    changeReference: str | None  # noqa: N815
    ranBy: dict[str, Any]  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_URN}#/$defs/ChangeRunFacet"


@attr.define
class PreventiveEvidenceRunFacet(RunFacet):
    """What the policy pack judged before the deployment: every policy's counts, every violation."""
    method: str
    pack: dict[str, Any]
    catalog: dict[str, Any]
    policies: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    summary: dict[str, Any]

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_URN}#/$defs/PreventiveEvidenceRunFacet"


@attr.define
class InventoryRunFacet(RunFacet):
    """Every resource the deployment left in the stack, with a digest of its inputs."""
    resources: list[dict[str, Any]]
    secretValuesOmitted: int  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_URN}#/$defs/InventoryRunFacet"


@attr.define
class RollbackRunFacet(RunFacet):
    """The release's rollback target: the images this deployment's zone runs, and the previous
    verified record of the stack (its commit and images) to return to (regzone/record/rollback.py)."""
    images: list[dict[str, Any]]
    target: dict[str, Any] | None
    notVerified: list[dict[str, Any]]  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return f"{SCHEMA_URN}#/$defs/RollbackRunFacet"
