"""The rollback target a deployment record carries (seed 001's release path ends with "preserve
rollback target"), and the plan `regzone rollback-plan` derives from it.

A record names the images its zone runs (the zone's intake manifest as deployed: repository, the
immutable tag each image was promoted under, digest) and its target: the previous record of the
stack in the zone's audit bucket that verifies (digests, signature, lock), with that record's
commit and images. Newer records that do not verify are passed over and named. The registry keeps
every recorded image because its lifecycle rules touch untagged images only
(regzone_core/registry_lifecycle.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from regzone.record import store
from regzone.record.facets import RollbackRunFacet
from regzone.record.state import SECRET, StackState, StateError
from regzone_core.registry_intake import parameter_name, promoted_images
from regzone_core.registry_lifecycle import rollback_image_problems

FACET = "regzone_rollback"
PARAMETER_TYPE = "aws:ssm/parameter:Parameter"


def zone_images(state: StackState, zone: str) -> list[dict[str, Any]]:
    """The images the zone's workloads run, from the deployed intake manifest; none when the zone
    has no registry."""
    name = parameter_name(zone)
    found = [r for r in state.resources if r.type == PARAMETER_TYPE and r.inputs.get("name") == name]
    if not found:
        return []
    value = found[0].inputs.get("insecureValue")
    try:
        if not isinstance(value, str) or value == SECRET:
            raise ValueError("its value is not a readable string")
        return promoted_images(value, zone)
    except ValueError as err:
        raise StateError(f"the intake manifest {name} ({found[0].urn}) cannot be read: {err}") from None


def _summary(verification: store.Verification) -> dict[str, Any]:
    """What a later record keeps of `verification`'s record as its rollback target."""
    own = verification.facet(FACET)
    return {"uri": verification.uri, "runId": str((verification.event.get("run") or {}).get("runId")),
            "eventTime": str(verification.event.get("eventTime")),
            "commit": verification.facet("regzone_change").get("commit"),
            "images": own.get("images") if own else None}


def previous_verified(session: boto3.Session, bucket: str, project: str, stack: str,
                      before: str | None = None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The newest record of the stack in `bucket` (older than the record `before`, if given) that
    verifies, summarised as a rollback target, and the newer records passed over with their problems."""
    passed_over = []
    for uri in store.record_uris(session, bucket, project, stack):
        if before is not None and uri >= before:
            continue
        verification = store.verify(session, uri)
        if verification.ok:
            return _summary(verification), passed_over
        passed_over.append({"uri": uri, "problems": verification.problems})
    return None, passed_over


def rollback_facet(session: boto3.Session, *, state: StackState, images: list[dict[str, Any]], bucket: str,
                   producer: str) -> RollbackRunFacet:
    """The facet of a new record: its zone's `images` and the stack's previous verified record in `bucket`."""
    target, passed_over = previous_verified(session, bucket, state.project, state.stack)
    return RollbackRunFacet(images=images, target=target, notVerified=passed_over, producer=producer)


class NoRollbackTarget(Exception):
    """No rollback plan can be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class ZonePlan:
    zone: str
    current: dict[str, Any]      # the newest record: uri, runId, eventTime, commit
    target: dict[str, Any]       # its rollback target: uri, runId, eventTime, commit, images
    passed_over: list[dict[str, Any]]


def zone_plan(session: boto3.Session, *, zone: str, bucket: str, project: str, stack: str) -> ZonePlan:
    """The zone's newest record (it must verify) and the target it names, read back and verified
    again now: a target whose record is gone, no longer verifies or says otherwise is no target."""
    uris = store.record_uris(session, bucket, project, stack)
    if not uris:
        raise NoRollbackTarget(f"zone {zone} has no record of stack {stack} in s3://{bucket}/"
                               f"{store.stack_prefix(project, stack)}: nothing was deployed through the recorded "
                               "path yet; deploy with the deploy workflow, which writes the first record")
    current = store.verify(session, uris[0])
    if not current.ok:
        raise NoRollbackTarget(f"the newest record of stack {stack} in zone {zone}, {uris[0]}, does not verify "
                               f"({'; '.join(current.problems)}): investigate it first (`regzone record verify "
                               f"{uris[0]}`, CloudTrail); a plan is made only from a record that verifies")
    facet = current.facet(FACET)
    target = facet.get("target") if facet else None
    if not facet:
        target, _ = previous_verified(session, bucket, project, stack, before=uris[0])
    if target is None:
        raise NoRollbackTarget(f"stack {stack} has no previous verified record in zone {zone} before {uris[0]}: "
                               "this is its first verified deployment, so there is nothing to roll back to; fix "
                               "forward through a pull request, or redeploy a known-good commit with the deploy "
                               "workflow")
    again = store.verify(session, target["uri"])
    if not again.ok:
        raise NoRollbackTarget(f"the rollback target of {uris[0]}, {target['uri']}, no longer verifies "
                               f"({'; '.join(again.problems)}); choose a commit by hand and record why")
    found = _summary(again)
    recorded = (target.get("commit"), target.get("images"))
    if facet and (found["commit"], found["images"]) != recorded:
        raise NoRollbackTarget(f"{target['uri']} names commit {found['commit']} and images {found['images']}, but "
                               f"{uris[0]} recorded it as commit {recorded[0]} with images {recorded[1]}")
    return ZonePlan(zone=zone, current=_summary(current), target=found,
                    passed_over=(facet or {}).get("notVerified", []))


_GONE = ("ImageNotFoundException", "RepositoryNotFoundException")
READ_PERMISSIONS = ("ecr:DescribeImages and ecr:GetLifecyclePolicy on the zone's repositories (the repository policy "
                    "lets only the zone's pullers and the promotion role read images)")


def registry_status(session: boto3.Session, region: str, image: dict[str, Any],
                    mutable_patterns: list[str]) -> dict[str, Any]:
    """Whether the registry still holds a target image (`present`, `missing`, or `unchecked` with why,
    never assumed present) and what in the repository's live lifecycle policy could take it."""
    ecr = session.client("ecr", region_name=region)
    repository = image["repository"]
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageDigest": image["digest"]}])
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code in _GONE:
            return {"state": "missing", "detail": f"{code}: {repository}@{image['digest']} is not in the registry"}
        return {"state": "unchecked", "detail": f"DescribeImages failed ({code}); needs {READ_PERMISSIONS}"}
    except BotoCoreError as err:
        return {"state": "unchecked", "detail": f"DescribeImages failed ({err})"}
    try:
        policy = ecr.get_lifecycle_policy(repositoryName=repository)["lifecyclePolicyText"]
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code != "LifecyclePolicyNotFoundException":
            return {"state": "present", "lifecycle": [f"GetLifecyclePolicy failed ({code}): not checked; needs "
                                                      f"{READ_PERMISSIONS}"]}
        return {"state": "present", "lifecycle": []}
    return {"state": "present", "lifecycle": rollback_image_problems(policy, image.get("tag"), mutable_patterns)}


def missing_images(zone: str, images: list[dict[str, Any]]) -> None:
    """Raise NoRollbackTarget when a target image is gone: the target cannot be redeployed as recorded."""
    gone = [i for i in images if (i.get("registry") or {}).get("state") == "missing"]
    if gone:
        names = ", ".join(f"{i['repository']}@{i['digest']}" for i in gone)
        raise NoRollbackTarget(f"zone {zone}: the rollback target's images {names} are no longer in the registry; "
                               "promote them again from their intake source (the intake manifest of the target "
                               "commit) before rolling back, or choose another commit")


def images_text(images: list[dict[str, Any]] | None) -> list[str]:
    if images is None:
        return ["(not recorded: the target record predates image recording; take the digests from the intake "
                "manifest of its commit, registry.artifacts in the stack file)"]
    lines = []
    for i in images:
        status = i.get("registry") or {}
        state = status.get("state", "not checked")
        lines.append(f"{i['repository']}@{i['digest']} (tag {i['tag']}): {state}"
                     + (f" ({status['detail']})" if status.get("detail") else ""))
        lines += [f"  lifecycle: {problem}" for problem in status.get("lifecycle", [])]
    return lines or ["(none: the zone has no registry)"]
