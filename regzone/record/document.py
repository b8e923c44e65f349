"""The record document: an OpenLineage run event (spec 2-0-2 through openlineage-python's models)
whose run facets carry the change, the preventive evidence and the deployed inventory, and the
manifest of digests that the signature covers.

Canonical form: JSON with sorted keys, no insignificant whitespace, UTF-8, no NaN (the record holds
strings, integers, booleans, lists and objects only). The manifest holds the SHA-256 of the whole
event and of each of its fields down to FIELD_DEPTH (JSON Pointer paths into the event), so that
verification can name the fields of a changed copy; the signature is over the manifest's digest.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import job_type_job, processing_engine_run, source_code_location_job
from openlineage.client.serde import Serde

from regzone.catalog import load_catalog
from regzone.catalog_files import catalog_data
from regzone.paths import POLICY_PACK_DIR
from regzone.preview.run import PreviewResult
from regzone.record.facets import (ChangeRunFacet, InventoryRunFacet, PreventiveEvidenceRunFacet, RecordRunFacet,
                                   RollbackRunFacet)
from regzone.record.settings import JUDGED
from regzone.record.state import SECRET, StackState, StateResource

FORMAT = 1
FIELD_DEPTH = 5
DIGEST_ALGORITHM = "SHA-256"
CANONICALIZATION = "JSON: keys sorted, separators ',' and ':', UTF-8, no NaN"
PREVIEW_METHOD = ("regzone preview: the program of the deployed commit run under the Pulumi SDK's mocks, every "
                  "resource analyzed by the policy pack over the analyzer protocol; per-policy counts derived from "
                  "the types each policy declares (regzone/preview/tally.py)")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _leaves(value: Any, parts: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if len(parts) < FIELD_DEPTH and isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, (*parts, key))
    elif len(parts) < FIELD_DEPTH and isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, (*parts, str(index)))
    else:
        yield _pointer(parts), value


def field_digests(event: dict[str, Any]) -> dict[str, str]:
    return {path: sha256(canonical(value)) for path, value in _leaves(event)}


def manifest(event: dict[str, Any]) -> dict[str, Any]:
    return {"algorithm": DIGEST_ALGORITHM, "canonicalization": CANONICALIZATION,
            "event": sha256(canonical(event)), "fields": field_digests(event)}


def manifest_digest(manifest_: dict[str, Any]) -> bytes:
    """What is signed: the SHA-256 of the manifest's canonical form."""
    return hashlib.sha256(canonical(manifest_)).digest()


def files_digest(files: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over each file's relative path and content, in path order."""
    digest = hashlib.sha256()
    for name, content in sorted(files):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def catalog_digest() -> str:
    """Of the catalog the run read: the copy this package ships (equal to catalog/, tests/test_pack_publishable.py)."""
    return files_digest((entry.name, entry.read_bytes()) for entry in catalog_data().iterdir() if entry.is_file())


def pack_identity(pack_dir: Path = POLICY_PACK_DIR) -> dict[str, Any]:
    """The pack's name and version (PulumiPolicy.yaml) and a digest of its own files (tests excluded)."""
    spec = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    files = [p for p in pack_dir.rglob("*") if p.is_file() and p.suffix in (".py", ".txt", ".yaml", ".json")
             and not {"tests", "venv", ".venv", "__pycache__"} & set(p.relative_to(pack_dir).parts)]
    return {"name": pack_dir.name, "version": str(spec.get("version", "")), "sha256": files_digest((p.relative_to(pack_dir).as_posix(), p.read_bytes()) for p in files)}


@dataclass(frozen=True)
class Change:
    commit: str | None
    pull_request: str | None
    approvers: tuple[str, ...]
    change_reference: str | None
    ran_by: dict[str, str]
    repository: str | None = None    # e.g. https://github.com/OWNER/REPO


@dataclass(frozen=True)
class Destination:
    zone: str
    bucket: str
    audit_key: str
    signing_key: str
    retention_days: int


def _requirements(control_ids: list[str]) -> dict[str, list[str]]:
    catalog = load_catalog()
    found: dict[str, set[str]] = {}
    for control_id in control_ids:
        for framework, requirements in catalog.control(control_id).requirements.items():
            found.setdefault(framework, set()).update(requirements)
    return {framework: sorted(requirements) for framework, requirements in sorted(found.items())}


def preventive_evidence(result: PreviewResult, pack: dict[str, Any], producer: str) -> PreventiveEvidenceRunFacet:
    controls = {p.name: p.controls for p in result.policies}
    policies = [{"policy": t.policy, "enforcement": t.enforcement, "scope": t.scope, "evaluated": t.evaluated,
                 "passed": t.passed, "failed": t.failed, "violations": t.violations,
                 "controls": controls.get(t.policy, []), "requirements": _requirements(controls.get(t.policy, []))}
                for t in result.tallies]
    violations = [{"policy": v.policy, "enforcement": v.enforcement, "severity": v.severity, "urn": v.urn,
                   "type": v.type, "message": v.message, "controls": v.controls} for v in result.violations]
    return PreventiveEvidenceRunFacet(
        method=PREVIEW_METHOD, pack=pack, catalog={"version": load_catalog().version, "sha256": catalog_digest()},
        policies=policies, violations=violations,
        summary={"resources": len(result.recording.resources), "violations": len(result.violations),
                 "mandatory": len(result.mandatory)}, producer=producer)


def _count_secrets(value: Any) -> int:
    if value == SECRET:
        return 1
    if isinstance(value, dict):
        return sum(_count_secrets(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_secrets(v) for v in value)
    return 0


def _region(state: StackState, resource: StateResource, arn: str | None) -> str | None:
    """The resource's own `region` (pulumi-aws 7 resources have one), else its ARN's, else its provider's."""
    own = resource.outputs.get("region") or resource.inputs.get("region")
    if isinstance(own, str) and own and own != SECRET:
        return own
    parts = arn.split(":") if arn else []
    if len(parts) > 3 and parts[3]:
        return parts[3]
    return state.provider_region(resource)


def inventory_entry(state: StackState, resource: StateResource) -> dict[str, Any]:
    arn = resource.outputs.get("arn")
    arn = arn if isinstance(arn, str) and arn != SECRET else None
    entry: dict[str, Any] = {"urn": resource.urn, "type": resource.type, "id": resource.id, "arn": arn,
                             "region": _region(state, resource, arn),
                             "inputsSha256": sha256(canonical(resource.inputs))}
    judged = JUDGED.get(resource.type)
    if judged is not None:
        entry["judged"] = {"target": judged.target(resource), "settings": judged.recorded(resource)}
    return entry


def inventory(state: StackState, producer: str) -> InventoryRunFacet:
    return InventoryRunFacet(
        resources=[inventory_entry(state, r) for r in state.resources],
        secretValuesOmitted=sum(_count_secrets(r.inputs) + _count_secrets(r.outputs) for r in state.resources),
        producer=producer)


def run_event(*, run_id: str, event_time: datetime, producer: str, state: StackState, result: PreviewResult,
              change: Change, destination: Destination, pack: dict[str, Any],
              rollback: RollbackRunFacet) -> dict[str, Any]:
    """The record's OpenLineage run event, as a plain JSON object (openlineage-python's Serde)."""
    facets = [RecordRunFacet(zone=destination.zone, project=state.project, stack=state.stack,
                             auditBucket=destination.bucket, retentionDays=destination.retention_days,
                             signingKey=destination.signing_key, producer=producer),
              ChangeRunFacet(commit=change.commit, pullRequest=change.pull_request, approvers=list(change.approvers),
                             changeReference=change.change_reference, ranBy=dict(change.ran_by), producer=producer),
              preventive_evidence(result, pack, producer), inventory(state, producer)]
    job_facets: dict[str, Any] = {"jobType": job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="PULUMI", jobType="DEPLOYMENT", producer=producer)}
    if change.repository:
        job_facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url=f"{change.repository}/tree/{change.commit}" if change.commit else change.repository,
            repoUrl=change.repository, version=change.commit, producer=producer)
    run_facets: dict[str, Any] = {
        "regzone_record": facets[0], "regzone_change": facets[1], "regzone_preventiveEvidence": facets[2],
        "regzone_inventory": facets[3], "regzone_rollback": rollback}
    if state.pulumi_version:
        run_facets["processing_engine"] = processing_engine_run.ProcessingEngineRunFacet(
            version=state.pulumi_version, name="pulumi", producer=producer)
    event = RunEvent(eventType=RunState.COMPLETE, eventTime=event_time.isoformat(), producer=producer,
                     run=Run(runId=run_id, facets=run_facets),
                     job=Job(namespace=f"pulumi://{state.project}", name=state.stack, facets=job_facets))
    return Serde.to_dict(event)
