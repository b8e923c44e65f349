"""An unknown never passes a control silently, at any depth: a property test derived from the policies.

The fixtures are the reference programs' recorded resources (what `regzone preview` sends; every
policy passes them). Each policy runs on them in-process over recording views that note every
property value the policy is handed (`lookup`, `.get`, `[]`, iteration; `reference()` reads are not
noted: the policy declared it does not depend on them). Then, through the analyzer protocol on one
pack process per module, each noted path -- and every element or field under it -- is replaced by
the engine's unknown sentinel, and every policy that read it must answer with a diagnostic naming
that path ("cannot be verified at preview: `<path>`"), on that resource. Mutations read by
different policies share one AnalyzeStack call (each policy stops at its first unknown).
"""
from __future__ import annotations

import copy
import dataclasses
import functools
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.deserialize import deserialize_properties

from regulated_ai.framework import PROVIDER, ResourceView, StackView, _applies
from regulated_ai.policies import all_policies
from regulated_ai.settings import settings_from_config
from regulated_ai.values import plain
from regzone.config.loader import read_stack_file
from regzone.pack_config import derive_pack_config, validate_pack_config
from regzone.paths import POLICY_PACK_DIR, REPO_ROOT
from regzone.preview.analyzer import AnalyzerResource, PolicyPackClient
from regzone.preview.recorder import project_of, record_program
from regzone.preview.run import _zone_context, stack_file, to_analyzer_resources

SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go: UnknownStringValue)
PROGRAMS = [("stacks", "dev"), ("stacks", "gdpr-eu"), ("stacks", "hipaa"), ("stacks", "pci"), ("incluster", "dev")]
FAST = [("stacks", "dev")]
Path = tuple  # a property path as its keys and list indexes  # unmarked: the zone program's dev stack; the others run with the slow tests


class _Log:
    def __init__(self) -> None:
        self.paths: set[tuple[str, Path]] = set()  # (urn, path) of the values handed out
        self.keyed: set[tuple[str, Path]] = set()  # maps whose keys were looked at (`in`, iteration)


class _RecDict(dict):
    """A property map that notes the path of every value it hands out (copies too: `{**tags}`)."""

    def __init__(self, data: dict, path: Path, urn: str, log: _Log) -> None:
        super().__init__({k: _rec(v, (*path, k), urn, log) for k, v in data.items()})
        self._path, self._urn, self._log = path, urn, log

    def _note(self, key: Any) -> None:
        self._log.paths.add((self._urn, (*self._path, key)))

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        self._note(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        self._log.keyed.add((self._urn, self._path))
        if dict.__contains__(self, key):
            return self[key]
        return default

    def __contains__(self, key: object) -> bool:
        self._log.keyed.add((self._urn, self._path))
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[Any]:
        self._log.keyed.add((self._urn, self._path))
        return dict.__iter__(self)

    def keys(self):  # type: ignore[override]
        self._log.keyed.add((self._urn, self._path))
        return dict.keys(self)

    def items(self) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        return iter([(k, self[k]) for k in dict.keys(self)])

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return iter([self[k] for k in dict.keys(self)])


class _RecList(list):
    def __init__(self, data: list, path: Path, urn: str, log: _Log) -> None:
        super().__init__(_rec(v, (*path, i), urn, log) for i, v in enumerate(data))
        self._path, self._urn, self._log = path, urn, log

    def _note(self, index: int) -> None:
        self._log.paths.add((self._urn, (*self._path, index)))

    def __getitem__(self, index: Any) -> Any:
        value = list.__getitem__(self, index)
        if isinstance(index, int):
            self._note(index % len(self))
        else:
            for i in range(*index.indices(len(self))):
                self._note(i)
        return value

    def __iter__(self) -> Iterator[Any]:
        for index in range(len(self)):
            self._note(index)
            yield list.__getitem__(self, index)

    def __contains__(self, value: object) -> bool:
        return any(item == value for item in self)  # compares (reads) every element


def _rec(value: Any, path: Path, urn: str, log: _Log) -> Any:
    if type(value) is dict:
        return _RecDict(value, path, urn, log)
    if type(value) is list:
        return _RecList(value, path, urn, log)
    return value


def _props(struct: struct_pb2.Struct, root: Path, urn: str, log: _Log) -> dict:
    return _rec(plain(deserialize_properties(json_format.MessageToDict(struct)), _dotted(root), urn), root, urn, log)


def _dotted(path: Path) -> str:
    """A path as an unknown names it (values.plain)."""
    return ".".join(str(part) for part in path)


@dataclasses.dataclass
class Fixture:
    resources: list[AnalyzerResource]
    config: dict[str, Any]  # the validated pack config the preview sends


@functools.cache
def fixture(program: str, stack: str) -> Fixture:
    directory = REPO_ROOT / program
    path = stack_file(stack, directory)
    config = read_stack_file(path)
    project = project_of(directory)
    stack_config, outputs = _zone_context(project, config, str(path))
    recording = record_program(directory, stack, config, project=project, stack_outputs=outputs)
    names = [p.name for p in all_policies()]
    pack_config = derive_pack_config(stack_config, names) if stack_config else {}
    return Fixture(to_analyzer_resources(recording, config), validate_pack_config(pack_config, str(path), names))


def _views(fix: Fixture, log: _Log) -> list[ResourceView]:
    views = {}
    for r in fix.resources:
        provider = _props(r.provider[3], (PROVIDER,), r.urn, log) if r.provider else {}
        views[r.urn] = ResourceView(type=r.type, name=r.name, urn=r.urn, props=_props(r.properties, (), r.urn, log),
                                    protect=r.protect, provider_props=provider)
    for r in fix.resources:
        view = views[r.urn]
        view.parent = views.get(r.parent)
        view.dependencies = [views[d] for d in r.dependencies if d in views]
        view.property_dependencies = {k: [views[d] for d in deps if d in views]
                                      for k, deps in (r.property_dependencies or {}).items()}
    return list(views.values())


def _settings(fix: Fixture, policy: str):
    entry = fix.config.get(policy, {})
    return settings_from_config({k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict)
                                else None)


@functools.cache
def reads(program: str, stack: str) -> tuple[dict[str, set[tuple[str, Path]]], dict[str, set[tuple[str, Path]]]]:
    """Policy name -> the (urn, path) it is handed while judging the compliant fixture, and the
    maps whose keys it looked at."""
    fix = fixture(program, stack)
    out: dict[str, set[tuple[str, Path]]] = {}
    keyed: dict[str, set[tuple[str, Path]]] = {}
    for policy in all_policies():
        log = _Log()
        views = _views(fix, log)
        settings = _settings(fix, policy.name)
        log.paths.clear()  # building the views read nothing on a policy's behalf
        log.keyed.clear()
        if isinstance(policy, ResourceValidationPolicy):
            for view in views:
                if _applies(policy, view.type):
                    view.settings = settings
                    found = list(policy.check(view))
                    assert not found, (policy.name, view.urn, found)  # the fixture is compliant
        else:
            found = list(policy.check(StackView(views, settings)))
            assert not found, (policy.name, found)
        out[policy.name], keyed[policy.name] = set(log.paths), set(log.keyed)
    return out, keyed


def _paths_under(value: Any, path: Path) -> Iterator[Path]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_under(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_under(item, (*path, index))


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _replace(data: Any, path: Path) -> Any:
    data = copy.deepcopy(data)
    _at(data, path[:-1])[path[-1]] = SENTINEL
    return data


def _struct(values: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _mutated(resource: AnalyzerResource, path: Path) -> AnalyzerResource:
    if path[0] == PROVIDER:
        ptype, purn, pname, pprops = resource.provider
        props = _replace(json_format.MessageToDict(pprops), path[1:])
        return dataclasses.replace(resource, provider=(ptype, purn, pname, _struct(props)))
    return dataclasses.replace(resource, properties=_struct(_replace(json_format.MessageToDict(resource.properties), path)))


def mutations(program: str, stack: str) -> dict[tuple[str, Path], set[str]]:
    """(urn, path) -> the policies that must report it: every path a policy was handed, and every
    element or field under a value it used whole (elements it iterated are handed out one by one)."""
    fix = fixture(program, stack)
    inputs = {r.urn: {**json_format.MessageToDict(r.properties),
                      PROVIDER: json_format.MessageToDict(r.provider[3]) if r.provider else {}}
              for r in fix.resources}  # no input is named "provider": the recorder would say
    out: dict[tuple[str, Path], set[str]] = defaultdict(set)
    read, keyed = reads(program, stack)
    for policy, paths in read.items():
        parents = {(urn, path[:-1]) for urn, path in paths} | keyed[policy]
        for urn, path in paths:
            # A value whose parts the policy was handed is covered by those; one used whole (a
            # document, a list compared or copied) must refuse an unknown anywhere inside.
            whole = (urn, path) not in parents
            for under in _paths_under(_at(inputs[urn], path), path) if whole else [path]:
                out[(urn, under)].add(policy)
    return out


def _batches(wanted: dict[tuple[str, Path], set[str]]) -> list[list[tuple[str, Path]]]:
    """Mutations whose readers are disjoint, and on different resources, share a call."""
    batches: list[tuple[list[tuple[str, Path]], set[str], set[str]]] = []
    for key in sorted(wanted, key=lambda k: (-len(wanted[k]), k[0], _dotted(k[1]))):
        for batch, readers, urns in batches:
            if not readers & wanted[key] and key[0] not in urns:
                batch.append(key)
                readers |= wanted[key]
                urns.add(key[0])
                break
        else:
            batches.append(([key], set(wanted[key]), {key[0]}))
    return [batch for batch, _, _ in batches]


def _stack_policy_names() -> set[str]:
    return {p.name for p in all_policies() if not isinstance(p, ResourceValidationPolicy)}


def _reported(diagnostics, policy: str, urn: str, path: Path, stack_level: bool) -> bool:
    return any(d.policy == policy and "cannot be verified at preview" in d.message and f"`{_dotted(path)}`" in d.message
               and (d.urn == urn or not stack_level) for d in diagnostics)


@pytest.fixture(scope="module")
def packs():
    """One pack process per program and stack, configured as its preview configures it."""
    started: dict[tuple[str, str], PolicyPackClient] = {}

    def get(program: str, stack: str) -> PolicyPackClient:
        if (program, stack) not in started:
            project = project_of(REPO_ROOT / program)
            client = PolicyPackClient(POLICY_PACK_DIR, project=project, stack=stack)
            client.start()
            _, policies = client.info()
            client.configure(policies, fixture(program, stack).config)
            started[(program, stack)] = client
        return started[(program, stack)]

    yield get
    for client in started.values():
        client.close()


def _check(pack: PolicyPackClient, program: str, stack: str) -> list[str]:
    fix = fixture(program, stack)
    by_urn = {r.urn: r for r in fix.resources}
    wanted = mutations(program, stack)
    stack_names = _stack_policy_names()
    failures: list[str] = []
    resource_wanted = {k: v - stack_names for k, v in wanted.items() if v - stack_names}
    for (urn, path), policies in resource_wanted.items():
        found = pack.analyze(_mutated(by_urn[urn], path))
        failures += [f"{policy}: {urn} `{_dotted(path)}` unknown passed silently" for policy in sorted(policies)
                     if not _reported(found, policy, urn, path, stack_level=False)]
    stack_wanted = {k: v & stack_names for k, v in wanted.items() if v & stack_names}
    # First one mutation per resource in each call: policies that report per resource answer them
    # all at once. What a call did not show is sent again in calls whose readers are disjoint.
    missing: dict[tuple[str, Path], set[str]] = {}
    for batch in _one_per_resource(stack_wanted):
        found = _analyze_mutated(pack, fix, by_urn, batch)
        for key in batch:
            unreported = {p for p in stack_wanted[key] if not _reported(found, p, key[0], key[1], stack_level=True)}
            if unreported:
                missing[key] = unreported
    for batch in _batches({key: stack_wanted[key] for key in missing}):
        found = _analyze_mutated(pack, fix, by_urn, batch)
        failures += [f"{policy}: {urn} `{_dotted(path)}` unknown passed silently" for urn, path in batch
                     for policy in sorted(missing[(urn, path)])
                     if not _reported(found, policy, urn, path, stack_level=True)]
    return sorted(failures)


def _analyze_mutated(pack: PolicyPackClient, fix: Fixture, by_urn: dict[str, AnalyzerResource],
                     batch: list[tuple[str, Path]]):
    changed = {urn: _mutated(by_urn[urn], path) for urn, path in batch}
    return pack.analyze_stack([changed.get(r.urn, r) for r in fix.resources])


def _one_per_resource(wanted: dict[tuple[str, Path], set[str]]) -> list[list[tuple[str, Path]]]:
    by_urn: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for key in sorted(wanted, key=lambda k: (k[0], _dotted(k[1]))):
        by_urn[key[0]].append(key)
    rounds = max((len(keys) for keys in by_urn.values()), default=0)
    return [[keys[i] for keys in by_urn.values() if i < len(keys)] for i in range(rounds)]


def test_every_policy_reads_something_of_the_reference_stacks():
    """Not vacuous: the recording sees what the policies read."""
    read, _ = reads("stacks", "dev")
    assert sum(len(paths) for paths in read.values()) > 500, {k: len(v) for k, v in read.items()}
    assert read["required-tags"] and read["s3-encryption-kms-cmk"], read


@pytest.mark.parametrize("program, stack", FAST)
def test_an_unknown_anywhere_a_policy_reads_is_reported(packs, program, stack):
    failures = _check(packs(program, stack), program, stack)
    assert not failures, f"{len(failures)} silent unknowns:\n" + "\n".join(failures[:80])


@pytest.mark.slow
@pytest.mark.parametrize("program, stack", [p for p in PROGRAMS if p not in FAST])
def test_an_unknown_anywhere_a_policy_reads_is_reported_in_every_reference_stack(packs, program, stack):
    failures = _check(packs(program, stack), program, stack)
    assert not failures, f"{len(failures)} silent unknowns:\n" + "\n".join(failures[:80])
