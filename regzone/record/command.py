"""`regzone record` (write a stack's deployment record to each zone's audit bucket) and
`regzone record verify` (check a record's digests, signature and lock).

Exit codes: 0 written / verified; 1 the record could not be written, or does not verify;
2 usage, config or state error (nothing was written).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from regzone.paths import STACKS_DIR

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
NAME = "regzone record"


def register(commands) -> None:
    parser = commands.add_parser(
        "record", help="write the deployment record of a stack to its zones' audit buckets (after `pulumi up`)")
    parser.add_argument("--stack", help="stack name: reads stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--state", type=Path, help="the stack's state: the file `pulumi stack export` writes")
    parser.add_argument("--program", type=Path, default=STACKS_DIR,
                        help="program directory holding __main__.py and Pulumi.<stack>.yaml (default: stacks/)")
    parser.add_argument("--policy-pack-config", type=Path,
                        help="the pack config of the deployment (default: derived from the stack file)")
    parser.add_argument("--commit", help="the deployed commit (default: $GITHUB_SHA)")
    parser.add_argument("--pull-request", help="the pull request of the change (URL or number)")
    parser.add_argument("--approver", action="append", dest="approvers", default=[], metavar="NAME",
                        help="who approved the change (repeatable; a comma-separated list is split)")
    parser.add_argument("--repository", help="repository URL (default: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY)")
    parser.add_argument("--actor", help="who ran the deployment (default: $GITHUB_ACTOR, else the local user)")
    parser.add_argument("--output", type=Path, help="also write the records' s3:// URIs to this file")
    verbs = parser.add_subparsers(dest="verb", parser_class=type(parser))
    verify_parser = verbs.add_parser("verify", help="check records' digests, signature and Object Lock retention")
    verify_parser.add_argument("uris", nargs="+", metavar="s3://BUCKET/KEY")
    verify_parser.set_defaults(handler=run_verify)
    parser.set_defaults(handler=run_record)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no login name and no passwd entry (some containers)
        return "unknown"


def _change(args: argparse.Namespace, change_reference: str, aws_principal: str):
    from regzone.record.document import Change

    env = os.environ
    repository = args.repository or (f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}"
                                      if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") else None)
    ran_by = {"actor": args.actor or env.get("GITHUB_ACTOR") or _local_user(), "awsPrincipal": aws_principal}
    if repository and env.get("GITHUB_RUN_ID"):
        ran_by["ciRun"] = f"{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    approvers = tuple(sorted({a.strip() for value in args.approvers for a in value.split(",") if a.strip()}))
    return Change(commit=args.commit or env.get("GITHUB_SHA"), pull_request=args.pull_request or None,
                  approvers=approvers, change_reference=change_reference, ran_by=ran_by, repository=repository)


def destinations(stack_config, state) -> list[Any]:
    """Each zone's audit bucket, audit key and record-signing key, from the stack's outputs."""
    from regzone.record.document import Destination
    from regzone.record.state import SECRET, StateError

    found = []
    zones = state.outputs.get("zones") if isinstance(state.outputs.get("zones"), dict) else {}
    for zone in stack_config.zones:
        outputs = zones.get(zone.name) or {}
        values = {"audit_bucket": outputs.get("audit_bucket"), "key_arns.audit": (outputs.get("key_arns") or {}).get(
            "audit"), "record_key_arn": outputs.get("record_key_arn")}
        missing = [name for name, value in values.items() if not isinstance(value, str) or value == SECRET]
        if missing:
            raise StateError(f"stack output zones.{zone.name}.{missing[0]} is missing from the state: deploy the stack "
                             "with this version of the program first (`pulumi up` creates the record-signing key)")
        found.append(Destination(zone=zone.name, bucket=values["audit_bucket"], audit_key=values["key_arns.audit"],
                                 signing_key=values["record_key_arn"],
                                 retention_days=stack_config.zone_retention_days(zone)))
    return found


def run_record(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    from openlineage.client.uuid import generate_new_uuid

    from regzone.config.errors import ConfigError
    from regzone.config.loader import parse_stack_config, read_stack_file
    from regzone.preview.analyzer import PackError
    from regzone.preview.recorder import ProgramError, project_of
    from regzone.preview.run import load_pack_config, run_preview, stack_file
    from regzone.record import document, rollback, store
    from regzone.record.state import StateError, load_state

    if not args.stack or args.state is None:
        print(f"{NAME}: --stack and --state are required (the state is the file `pulumi stack export` writes)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        path = stack_file(args.stack, args.program)
        stack_config = parse_stack_config(read_stack_file(path), str(path))
        state = load_state(args.state)
        if state.stack != args.stack or state.project != project_of(args.program):
            raise StateError(f"--state {args.state} is stack {state.project}/{state.stack}, not "
                             f"{project_of(args.program)}/{args.stack}")
        targets = destinations(stack_config, state)
        images = {target.zone: rollback.zone_images(state, target.zone) for target in targets}
        result = run_preview(args.stack, stacks_dir=args.program,
                             pack_config=load_pack_config(args.policy_pack_config),
                             pack_config_name=f"policy pack config {args.policy_pack_config}")
    except (ConfigError, StateError, ProgramError, PackError) as err:
        print(f"{NAME}: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        session = boto3.Session()
        principal = session.client("sts").get_caller_identity()["Arn"]
    except (BotoCoreError, ClientError) as err:
        print(f"{NAME}: cannot tell who runs the deployment (sts:GetCallerIdentity): {err}", file=sys.stderr)
        return EXIT_FAILED
    change = _change(args, stack_config.change_ref, principal)
    producer = (f"{change.repository}/tree/{change.commit}" if change.repository and change.commit
                else "urn:regzone:regulated-ai-zones")
    run_id, now = str(generate_new_uuid()), datetime.now(timezone.utc).replace(microsecond=0)
    pack = document.pack_identity()
    uris = []
    try:
        for target in targets:
            # The previous verified record is read before this deployment's is written.
            rollback_target = rollback.rollback_facet(session, state=state, images=images[target.zone],
                                                      bucket=target.bucket, producer=producer)
            event = document.run_event(run_id=run_id, event_time=now, producer=producer, state=state, result=result,
                                       change=change, destination=target, pack=pack, rollback=rollback_target)
            unsigned = store.envelope(event)
            signed = store.envelope(event, store.sign(session, target.signing_key, unsigned["manifest"]))
            uris.append(store.write(session, bucket=target.bucket,
                                    key=store.record_key(state.project, state.stack, now, run_id),
                                    audit_key=target.audit_key, document=signed, retention_days=target.retention_days,
                                    now=now))
    except store.RecordError as err:
        print(f"{NAME}: the record was not written: {err}", file=sys.stderr)
        return EXIT_FAILED
    text = "".join(uri + "\n" for uri in uris)
    sys.stdout.write(text)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    if result.mandatory:
        print(f"{NAME}: recorded {len(result.mandatory)} mandatory violation(s) of the preview", file=sys.stderr)
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    import boto3

    from regzone.record import store

    session = boto3.Session()
    failed = False
    for uri in args.uris:
        try:
            verification = store.verify(session, uri)
        except store.RecordError as err:
            print(f"{uri}: cannot be verified: {err}", file=sys.stderr)
            failed = True
            continue
        if verification.ok:
            print(f"{uri}: verified (digests, signature, {store.LOCK_MODE} lock)")
        else:
            failed = True
            print(f"{uri}: DOES NOT VERIFY")
            for problem in verification.problems:
                print(f"  - {problem}")
    return EXIT_FAILED if failed else EXIT_OK
