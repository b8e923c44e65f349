"""The input properties of every resource type the pinned Pulumi SDKs declare, read from their source.

Each generated resource module passes its type token to the base constructor and takes an
`@pulumi.input_type` Args class whose getters carry the wire (camelCase) names the engine and a
policy pack see; nested inputs are further input types referenced by name, in the same module or a
sibling one (`'_core.v1.PodTemplateSpecArgs'`). Reading the ~3,800 generated files as text takes a
few seconds where importing them takes minutes, so the index is built from source once per process.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SDK_PACKAGES = ("pulumi_aws", "pulumi_kubernetes", "pulumi_tls")

_CLASS = re.compile(r"\n(@pulumi\.input_type\n)?class (\w+)\(?([\w.]*)")
_GETTER = re.compile(r"@pulumi\.getter(?:\(name=\"([^\"]+)\"\))?\n(?:    @[^\n]*\n)*    def (\w+)\(self\) -> ([^\n]+):\n")
_TOKEN = re.compile(r"super\(\w+, __self__\)\.__init__\(\s*'([^']+)'")
_ARGS = re.compile(r"\n\s+args: (?:Optional\[)?(\w+)")
_REFERENCE = re.compile(r"'([\w.]+)'")
_ALIAS = re.compile(r"pulumi\.Alias\(type_=\"([^\"]+)\"\)")

ClassKey = tuple[str, str]  # (package-relative module directory, class name)
Inputs = dict[ClassKey, dict[str, tuple[ClassKey, ...]]]
Annotations = dict[ClassKey, dict[str, str]]


@dataclass(frozen=True)
class SdkIndex:
    """Resource type token -> its Args input type; input type -> wire name -> input types it nests,
    and the Python annotation of each input (`pulumi.Input[_builtins.str]`, `...Sequence[...]`)."""

    resources: dict[str, ClassKey]
    inputs: Inputs
    # Former tokens of a type (renamed modules): state written under them migrates to the type; a
    # program on an older SDK may still register them.
    aliases: dict[str, str]
    annotations: Annotations = field(default_factory=dict, repr=False, compare=False)
    _paths: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False, compare=False)

    def types(self) -> list[str]:
        return sorted(self.resources)

    def paths(self, type_token: str, pattern: str) -> list[str]:
        """Input paths of `type_token` that match `pattern`: dot-separated wire names, each segment
        a glob (`*` one name), `**` any number of segments (none included). Lists are transparent:
        `networkInterfaces.associatePublicIpAddress` names the property of every element."""
        if (type_token, pattern) not in self._paths:
            start = self.resources.get(type_token)
            found = sorted(set(self._walk(start, tuple(pattern.split(".")), (), set()))) if start else []
            self._paths[(type_token, pattern)] = found
        return self._paths[(type_token, pattern)]

    def annotation(self, type_token: str, path: str) -> str | None:
        """The annotation of the input at `path` (dot-separated wire names, lists transparent), or None."""
        keys = [self.resources[type_token]] if type_token in self.resources else []
        *parents, name = path.split(".")
        for segment in parents:
            keys = [child for key in keys for child in self.inputs.get(key, {}).get(segment, ())]
        return next((self.annotations[key][name] for key in keys if name in self.annotations.get(key, {})), None)

    def _walk(self, key: ClassKey, pattern: tuple[str, ...], path: tuple[str, ...],
              seen: set[tuple[ClassKey, int]]) -> Iterator[str]:
        state = (key, len(pattern))
        if state in seen:  # recursive input types (JSON schema props) end here
            return
        seen.add(state)
        segment, rest = pattern[0], pattern[1:]
        if segment == "**":
            if rest:
                yield from self._walk(key, rest, path, seen)
            for name, nested in self.inputs.get(key, {}).items():
                if not rest:
                    yield ".".join((*path, name))
                for child in nested:
                    yield from self._walk(child, pattern, (*path, name), seen)
            return
        for name, nested in self.inputs.get(key, {}).items():
            if not fnmatch.fnmatchcase(name, segment):
                continue
            if not rest:
                yield ".".join((*path, name))
            for child in nested:
                if rest:
                    yield from self._walk(child, rest, (*path, name), seen)


def _module_of(reference: str, module: str) -> ClassKey:
    *where, name = reference.split(".")
    return ("/".join(part.lstrip("_") for part in where) if where else module), name


def _read_package(package: str, resources: dict[str, ClassKey], inputs: Inputs, annotations: Annotations,
                  aliases: dict[str, str]) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"the SDK {package} is not installed")
    root = Path(spec.origin).parent
    for source in sorted(root.rglob("*.py")):
        if source.name == "outputs.py" or source.name.startswith("get_"):
            continue  # output types and invoke results: never resource inputs
        text = source.read_text(encoding="utf-8")
        module = source.parent.relative_to(root).as_posix()
        module = "" if module == "." else module
        classes = list(_CLASS.finditer(text))
        for index, match in enumerate(classes):
            body = text[match.end():classes[index + 1].start() if index + 1 < len(classes) else len(text)]
            if match.group(1):
                getters = list(_GETTER.finditer(body))
                inputs[(module, match.group(2))] = {
                    getter.group(1) or getter.group(2):
                        tuple(_module_of(ref, module) for ref in _REFERENCE.findall(getter.group(3)))
                    for getter in getters}
                annotations[(module, match.group(2))] = {getter.group(1) or getter.group(2): getter.group(3)
                                                         for getter in getters}
            elif match.group(3) == "pulumi.CustomResource":
                token, args = _TOKEN.search(body), _ARGS.search(body)
                if token is None:  # a generic class that builds its token at run time (CustomResource)
                    continue
                if args is None:
                    raise ValueError(f"{source}: resource class {match.group(2)} has no Args class")
                resources[token.group(1)] = (module, args.group(1))
                aliases.update({alias: token.group(1) for alias in _ALIAS.findall(body)})


@lru_cache(maxsize=1)
def sdk_index(packages: tuple[str, ...] = SDK_PACKAGES) -> SdkIndex:
    resources: dict[str, ClassKey] = {}
    inputs: Inputs = {}
    annotations: Annotations = {}
    aliases: dict[str, str] = {}
    for package in packages:
        _read_package(package, resources, inputs, annotations, aliases)
    missing = sorted(token for token, key in resources.items() if key not in inputs)
    if missing:
        raise ValueError(f"resource types whose Args class was not found: {missing[:5]}")
    return SdkIndex(resources, inputs, {alias: token for alias, token in aliases.items() if alias not in resources},
                    annotations)
