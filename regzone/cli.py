"""`regzone`: the offline compliance preview, the deployment record and its rollback plan, evidence and the matrix.

Exit codes: 0 compliant, 1 a mandatory violation (or failing evidence), 2 config or usage error.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from regzone.evidence.command import register as register_evidence
from regzone.record.command import register as register_record
from regzone.record.plan_command import register as register_rollback_plan
from regzone.paths import BASELINE_DIR, INCLUSTER_DIR, STACKS_DIR

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with the usage line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def output_problem(path: Path) -> str | None:
    """Why the report cannot be written to `path`, found before any work is done; None if it can."""
    if path.is_dir():
        return "is a directory; give a file path"
    parent = path.parent
    if not parent.exists():
        return f"folder {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a folder"
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):   # append: an existing report is not truncated yet
            pass
    except OSError as err:
        return f"cannot be written ({err.strerror or err})"
    if not existed:
        os.unlink(path)
    return None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _preview(args: argparse.Namespace) -> int:
    from regzone.config.errors import ConfigError
    from regzone.preview.analyzer import PackError
    from regzone.preview.recorder import ProgramError
    from regzone.preview.run import load_pack_config, run_preview
    from regzone.reports import preview_json, preview_markdown, preview_sarif, preview_table

    renderers: dict[str, Callable] = {
        "table": preview_table.render, "json": preview_json.render, "markdown": preview_markdown.render,
        "sarif": lambda result: preview_sarif.render(result, stacks_dir=args.program)}
    try:
        result = run_preview(args.stack, stacks_dir=args.program,
                             pack_config=load_pack_config(args.policy_pack_config),
                             pack_config_name=f"policy pack config {args.policy_pack_config}")
    except (ConfigError, ProgramError, PackError) as err:
        print(f"regzone preview: {err}", file=sys.stderr)
        return EXIT_USAGE
    _write(renderers[args.format](result), args.output)
    if args.output is not None and args.format != "table":
        sys.stderr.write(preview_table.render(result))
    return EXIT_VIOLATIONS if result.mandatory else EXIT_OK


def _matrix(args: argparse.Namespace) -> int:
    from regzone import matrix
    from regzone.catalog import load_catalog
    from regzone.coverage import catalog_coverage, coverage_problems
    from regzone.coverage.sdk import sdk_index
    from regzone.coverage.services import service_coverage, service_problems
    from regzone.matrix.model import build_matrix, pack_policy_names
    from regzone.matrix.render import FORMATS
    from regzone.preview.analyzer import PackError

    catalog = load_catalog()
    try:
        rows = build_matrix(catalog, pack_policy_names())
    except PackError as err:
        print(f"regzone matrix: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.write_docs:
        for path in matrix.write_docs(catalog, rows):
            print(f"wrote {path}", file=sys.stderr)
    if not args.check:
        if args.output is not None or not args.write_docs:
            _write(FORMATS[args.format](catalog, rows), args.output)
        return EXIT_OK
    failures = [f"{control}: {gap}" for control, gaps in matrix.gaps(rows).items() for gap in gaps]
    coverage = catalog_coverage(catalog)
    failures += [f"{control}: {problem}" for control, problems in coverage_problems(coverage).items()
                 for problem in problems]
    failures += service_problems(service_coverage(coverage, sdk_index()), {c.id for c in catalog.controls})
    failures += [f"{path} is out of date: run `regzone matrix --write-docs` (make docs)"
                 for path in matrix.stale_docs(catalog, rows)]
    for failure in failures:
        print(f"regzone matrix: {failure}", file=sys.stderr)
    if not failures:
        print(f"regzone matrix: {len(rows)} controls, no unjustified gap, docs up to date", file=sys.stderr)
    return EXIT_VIOLATIONS if failures else EXIT_OK


def _levels(args: argparse.Namespace) -> int:
    from regzone.config.errors import ConfigError
    from regzone.config.loader import load_stack_file
    from regzone.levels import render
    from regzone.levels.zone_status import zone_levels

    try:
        stack = load_stack_file(args.program / f"Pulumi.{args.stack}.yaml")
        zones = zone_levels(args.stack, stack, args.incluster, args.baseline)
    except ConfigError as err:
        print(f"regzone levels: {err}", file=sys.stderr)
        return EXIT_USAGE
    _write((render.json_text if args.format == "json" else render.text)(args.stack, zones), args.output)
    return EXIT_OK


def _pack_config(args: argparse.Namespace) -> int:
    import json

    from regzone.config.baseline import load_baseline
    from regzone.config.errors import ConfigError
    from regzone.config.loader import read_stack_file
    from regzone.pack_config import derive_pack_config, program_of
    from regzone.paths import POLICY_PACK_DIR
    from regzone.preview.analyzer import PackError, PolicyPackClient
    from regzone.preview.recorder import project_of
    from regzone.preview.run import governing_stack
    from regzone.zone_stack import baseline_project

    try:
        path = args.program / f"Pulumi.{args.stack}.yaml"
        project = project_of(args.program)
        if project == baseline_project():
            stack = load_baseline(args.stack, args.program)
        else:  # the in-cluster program is governed by the zone stack it names; the pack judges it as itself
            stack, _ = governing_stack(project, read_stack_file(path), str(path))
            if stack is None:
                raise ConfigError(f"{path}: names no zone stack ({project}:zone_stack)")
        with PolicyPackClient(POLICY_PACK_DIR, project=project, stack=args.stack) as pack:
            names = [p.name for p in pack.info()[1]]
    except (ConfigError, PackError) as err:
        print(f"regzone pack-config: {err}", file=sys.stderr)
        return EXIT_USAGE
    _write(json.dumps(derive_pack_config(stack, names, program_of(project)), indent=2, sort_keys=True) + "\n",
           args.output)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regzone", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    preview = commands.add_parser(
        "preview", help="run a stack under mocks and check it with the regulated-ai policy pack, offline")
    preview.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    preview.add_argument("--program", type=Path, default=STACKS_DIR,
                         help="program directory holding __main__.py and Pulumi.<stack>.yaml (default: stacks/; "
                              "also incluster, baseline)")
    preview.add_argument("--format", choices=["table", "json", "markdown", "sarif"], default="table")
    preview.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    preview.add_argument("--policy-pack-config", type=Path,
                         help="JSON policy config, as for `pulumi preview --policy-pack-config`")
    preview.set_defaults(handler=_preview)
    pack_config = commands.add_parser(
        "pack-config", help="derive the regulated-ai pack config (--policy-pack-config) from a stack's zone config")
    pack_config.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    pack_config.add_argument("--program", type=Path, default=STACKS_DIR,
                             help="directory holding Pulumi.<stack>.yaml (default: stacks/; also baseline); for "
                                  "the in-cluster program (incluster/), its zone stack's settings, judged as the "
                                  "in-cluster program")
    pack_config.add_argument("--output", type=Path, help="write the config to this file instead of stdout")
    pack_config.set_defaults(handler=_pack_config)
    matrix = commands.add_parser(
        "matrix", help="the compliance matrix: per control its frameworks, component, policy, evidence and tests")
    matrix.add_argument("--format", choices=["markdown", "csv", "json", "html"], default="markdown")
    matrix.add_argument("--output", type=Path, help="write the matrix to this file instead of stdout")
    matrix.add_argument("--check", action="store_true",
                        help="exit 1 when a control has an unjustified gap or docs/ is out of date")
    matrix.add_argument("--write-docs", action="store_true",
                        help="regenerate docs/compliance-matrix.md and docs/controls.md")
    matrix.set_defaults(handler=_matrix)
    levels = commands.add_parser(
        "levels", help="per zone: its assurance level, which of the level's controls it meets, and what the next "
                       "level would add")
    levels.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    levels.add_argument("--program", type=Path, default=STACKS_DIR,
                        help="directory holding Pulumi.<stack>.yaml (default: stacks/)")
    levels.add_argument("--incluster", type=Path, default=INCLUSTER_DIR,
                        help="directory of the in-cluster stack files, read for signature verification "
                             "(default: incluster/)")
    levels.add_argument("--baseline", type=Path, default=BASELINE_DIR,
                        help="directory of the baseline stack files, read for the organization's SCPs "
                             "(default: baseline/)")
    levels.add_argument("--format", choices=["text", "json"], default="text")
    levels.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    levels.set_defaults(handler=_levels)
    register_evidence(commands)
    register_record(commands)
    register_rollback_plan(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    output = getattr(args, "output", None)
    problem = output_problem(output) if output is not None else None
    if problem:
        print(f"regzone {args.command}: --output {output}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
