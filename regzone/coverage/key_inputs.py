"""Generates regzone/data/key_inputs.json: per resource type of the pinned pulumi-aws, the paths of
its key inputs (regzone/key_inputs.py), read from the SDK source by regzone/coverage/sdk.py.

Run `make key-inputs` (python -m regzone.coverage.key_inputs --write) after changing the pinned SDK
or the name forms; tests/test_key_inputs.py fails while the shipped file differs from this.
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version

from regzone.coverage.sdk import ClassKey, SdkIndex, sdk_index
from regzone.key_inputs import KEY_INPUTS_FILE, is_key_input


def _holds_key_input(index: SdkIndex, key: ClassKey, seen: set[ClassKey]) -> bool:
    seen.add(key)
    return any(is_key_input(name) or any(child not in seen and _holds_key_input(index, child, seen) for child in nested)
               for name, nested in index.inputs.get(key, {}).items())


def _paths(index: SdkIndex, key: ClassKey, path: tuple[str, ...], entered: tuple[ClassKey, ...]) -> list[str]:
    found = []
    for name, nested in index.inputs.get(key, {}).items():
        here = (*path, name)
        if is_key_input(name):
            found.append(".".join(here))
            continue
        for child in nested:
            if child in entered or "Mapping[" in index.annotations.get(key, {}).get(name, ""):
                # A recursive type, or a map of objects (a key of the user's on the wire between the two
                # names): no fixed path reaches the key inputs it may hold.
                if _holds_key_input(index, child, set()):
                    raise ValueError(f"{'.'.join(here)} holds key inputs {child} within itself or under map keys: "
                                     "their paths are not fixed")
                continue
            found += _paths(index, child, here, (*entered, child))
    return found


def key_input_paths(index: SdkIndex) -> dict[str, list[str]]:
    """Every pulumi-aws resource type (and former token) -> the sorted paths of its key inputs."""
    types = {token: sorted(set(_paths(index, key, (), (key,))))
             for token, key in index.resources.items() if token.startswith("aws:")}
    types |= {alias: types[token] for alias, token in index.aliases.items() if token in types}
    return dict(sorted(types.items()))


def document(index: SdkIndex) -> str:
    """The file's text: deterministic, one type a line."""
    types = key_input_paths(index)
    lines = [f"  {json.dumps(token)}: {json.dumps(paths)}" for token, paths in types.items()]
    source = (f"Generated from pulumi-aws {version('pulumi-aws')} (the pinned SDK) by `make key-inputs`: per resource "
              "type, the inputs whose names say they hold a key (regzone/key_inputs.py), lists transparent.")
    return "{\n" + f'"source": {json.dumps(source)},\n"types": {{\n' + ",\n".join(lines) + "\n}\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {KEY_INPUTS_FILE.name} (default: print it)")
    args = parser.parse_args(argv)
    text = document(sdk_index())
    if args.write:
        KEY_INPUTS_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {KEY_INPUTS_FILE}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
