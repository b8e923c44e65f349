"""Runs a Pulumi program under the SDK's mocks and records every registration as the engine
would hand it to an analyzer: type, name, URN, parent, dependencies, provider, options and the
inputs in wire form. It also captures where in the project's code each resource was created,
so that reports (SARIF) can point reviewers at the line.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import runpy
import traceback
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.resource
import pulumi.runtime
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from regzone.paths import REPO_ROOT
from regzone.preview.mocks import ZoneMocks, deployer_session_arn

PROJECT = "regzone"
# The organization a program runs under on the self-managed backend (pulumi/pulumi pkg/backend/diy/state.go);
# on Pulumi Cloud it is the stack's own organization.
ORGANIZATION = "organization"


@dataclass
class SourceLocation:
    path: str  # relative to the repository root
    line: int


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str  # "<provider urn>::<id>" or "" for the default provider
    protect: bool
    retain_on_delete: bool
    properties: struct_pb2.Struct
    source: SourceLocation | None = None
    id: str = ""  # the id and outputs the mocks gave it (what a provider would return at `pulumi up`)
    outputs: struct_pb2.Struct | None = None

    @property
    def inputs(self) -> dict[str, Any]:
        return json_format.MessageToDict(self.properties)


@dataclass
class Recording:
    stack: str
    resources: list[RecordedResource] = field(default_factory=list)
    project: str = PROJECT
    outputs: dict[str, Any] = field(default_factory=dict)  # the stack's exports, as a StackReference sees them

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}


class ProgramError(Exception):
    """The program itself failed (bad config or a bug); the message is for the user."""


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks, recording: Recording,
                 sources: dict[tuple[str, str], deque]) -> None:
        super().__init__(mocks)
        self._recording = recording
        self._sources = sources

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            pending = self._sources.get((request.type, request.name))
            self._recording.resources.append(RecordedResource(
                urn=response.urn, type=request.type, name=request.name, custom=bool(request.custom),
                parent=request.parent, dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                provider=request.provider, protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete), properties=request.object,
                source=pending.popleft() if pending else None, id=response.id, outputs=response.object))
        return response


def project_of(program: Path) -> str:
    """The project name of a program directory: its own Pulumi.yaml, or a parent's whose `main` is it
    (the zone program: Pulumi.yaml at the root, `main: stacks/`). Without one, the zone project."""
    candidates = [program / "Pulumi.yaml", program.parent / "Pulumi.yaml"]
    for index, path in enumerate(candidates):
        if not path.is_file():
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        main = (path.parent / str(document.get("main", "."))).resolve()
        if index == 0 or main == program.resolve():
            return str(document.get("name") or PROJECT)
    return PROJECT


def _project_frame(stack: traceback.StackSummary) -> SourceLocation | None:
    """The innermost frame in the project's own program or components."""
    for frame in reversed(stack):
        path = Path(frame.filename)
        try:
            relative = path.resolve().relative_to(REPO_ROOT)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] in ("stacks", "components", "incluster") and frame.lineno:
            return SourceLocation(relative.as_posix(), frame.lineno)
    return None


@contextlib.contextmanager
def _capture_creation_sites(sources: dict[tuple[str, str], deque]) -> Iterator[None]:
    original = pulumi.resource.Resource.__init__

    def init(self, t, name, *args, **kwargs):
        sources[(t, name)].append(_project_frame(traceback.extract_stack()[:-1]))
        original(self, t, name, *args, **kwargs)

    pulumi.resource.Resource.__init__ = init
    try:
        yield
    finally:
        pulumi.resource.Resource.__init__ = original


async def _exports() -> dict[str, Any]:
    """The program's `pulumi.export`s, resolved (as a StackReference to this stack would read them).
    Under mocks the root stack registers its outputs before the program runs, so read them here."""
    root = pulumi.runtime.settings.get_root_resource()
    outputs = getattr(root, "outputs", None) or {}
    return await pulumi.Output.from_input(dict(outputs)).future() or {}


def _report_all_but_orphans(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """When a program fails, the outputs that depended on the failure are garbage-collected still
    pending or with their exception never retrieved; the failure itself is raised to the caller, so
    those echoes are dropped."""
    message = context.get("message", "")
    if "never retrieved" not in message and "destroyed but it is pending" not in message:
        loop.default_exception_handler(context)


def _wire_config(config: dict[str, Any]) -> dict[str, str]:
    """Config as the CLI hands it to a program: strings, structured values JSON-encoded."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def record_program(program: Path, stack: str, config: dict[str, Any], *, project: str = PROJECT,
                   stack_outputs: dict[str, dict[str, Any]] | None = None,
                   mocks: ZoneMocks | None = None) -> Recording:
    """Run `program` (a directory with `__main__.py`) under mocks in an isolated context.
    `stack_outputs` answers the program's StackReferences, by referenced stack name; without it (and
    without mocks that answer them), the stacks the config references are recorded first
    (regzone/preview/references.py). The default mocks deploy as a session of the stack's deployer
    role (`<project>:deployer_role_arn`), in its account, as a correct `pulumi up` does; tests pass
    their own to see what a real account refuses."""
    if stack_outputs is None and (mocks is None or not mocks.stack_outputs):
        from regzone.preview.references import referenced_outputs  # it records with this function
        stack_outputs = referenced_outputs(project, config, f"{program}/Pulumi.{stack}.yaml")
    if mocks is None:
        region = str(config.get("aws:region", "us-east-1"))
        mocks = ZoneMocks(region, stack_outputs=stack_outputs,
                          caller_arn=deployer_session_arn(config.get(f"{project}:deployer_role_arn")))
    elif not mocks.stack_outputs:
        mocks.stack_outputs = stack_outputs or {}
    return contextvars.Context().run(_record, program, stack, config, project, mocks)


def _record(program: Path, stack: str, config: dict[str, Any], project: str, mocks: ZoneMocks) -> Recording:
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_report_all_but_orphans)
    asyncio.set_event_loop(loop)
    recording = Recording(stack=stack, project=project)
    sources: dict[tuple[str, str], deque] = defaultdict(deque)
    pulumi.runtime.set_all_config(_wire_config(config))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, organization=ORGANIZATION,
                             monitor=_RecordingMonitor(mocks, recording, sources))
    # As the SDK's own `pulumi.runtime.test` does: start from no outstanding RPCs or outputs, so
    # that tasks a failed earlier run left behind are not awaited by this one.
    pulumi.runtime.settings.SETTINGS.rpc_manager.clear()
    pulumi.runtime.settings.SETTINGS.outputs.clear()
    main = program / "__main__.py"
    try:
        with _capture_creation_sites(sources):
            _sync_await(run_pulumi_func(lambda: runpy.run_path(str(main), run_name="__main__")))
        recording.outputs = _sync_await(_exports())
    except pulumi.RunError as err:
        raise ProgramError(str(err)) from None
    finally:
        asyncio.set_event_loop(None)
    return recording
