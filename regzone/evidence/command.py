"""The `regzone evidence` subcommand: arguments, defaults and exit codes."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from regzone.paths import STACKS_DIR

FORMATS = ("json", "markdown", "junit", "ocsf")


def register(commands) -> None:
    """Add `evidence` to the `regzone` subcommands (kept here so cli.py stays small)."""
    parser = commands.add_parser(
        "evidence", help="collect live evidence from an AWS account that every catalog control holds")
    parser.add_argument("--region", action="append", dest="regions", metavar="REGION",
                        help="region to scan (repeatable; default: the session's region)")
    parser.add_argument("--zone", help="only resources tagged zone=NAME (default: the whole account)")
    parser.add_argument("--format", choices=FORMATS, default="json")
    parser.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--framework", action="append", dest="frameworks", metavar="FRAMEWORK",
                        choices=["SOX", "HIPAA", "PCI-DSS", "GDPR"],
                        help="frameworks whose audit retention applies (repeatable; default: all in the catalog)")
    parser.add_argument("--min-retention-days", type=int, metavar="DAYS",
                        help="required Object Lock retention for audit buckets (overrides --framework)")
    parser.add_argument("--check", action="append", dest="checks", metavar="CHECK", default=[],
                        help="run only this check (repeatable)")
    parser.add_argument("--stack", metavar="NAME|FILE",
                        help="the zone stack: a name (Pulumi.<NAME>.yaml in --program) or its stack file: the enclave "
                             "measurements the live enclave keys must carry (without it they are reported as not "
                             "compared: ERROR), the deployer role, and with --record latest the stack whose records to read")
    parser.add_argument("--deployer-role-arn", metavar="ARN",
                        help="the role that runs `pulumi up` (default with --stack: its regzone:deployer_role_arn): its "
                             "use of a key that is only what AWS performs as the caller is not a key-duty conflict")
    parser.add_argument("--max-workers", type=int, default=16, help="API calls in flight (default: 16)")
    parser.add_argument("--max-attempts", type=int, default=5, help="attempts per API call, retries included")
    parser.add_argument("--retry-mode", choices=["adaptive", "standard"], default="adaptive")
    parser.add_argument("--record", action="append", dest="records", default=[], metavar="s3://BUCKET/KEY|latest",
                        help="also verify this deployment record and report drift against it (repeatable); "
                             "`latest` with --stack: the newest record of each zone of the stack")
    parser.add_argument("--program", type=Path, default=STACKS_DIR,
                        help="the program directory holding Pulumi.<stack>.yaml, for --stack NAME (default: stacks/)")
    parser.add_argument("--print-iam-policy", action="store_true",
                        help="print the least-privilege IAM policy the collector needs, and exit")
    parser.set_defaults(handler=run)


def stack_path(args: argparse.Namespace) -> Path | None:
    """--stack as a file: a value naming a YAML file is one; a bare name is Pulumi.<NAME>.yaml in --program."""
    if args.stack is None:
        return None
    if args.stack.endswith((".yaml", ".yml")) or "/" in args.stack:
        return Path(args.stack)
    return args.program / f"Pulumi.{args.stack}.yaml"


def resolve_records(args: argparse.Namespace, session) -> tuple[str, ...]:
    """The record URIs to verify: as given, and `latest` as each zone's newest record of --stack."""
    from regzone.config.errors import ConfigError
    from regzone.config.loader import load_stack_file
    from regzone.evidence.model import ScanError
    from regzone.preview.recorder import project_of
    from regzone.record import store

    uris = []
    for record in dict.fromkeys(args.records):
        if record != "latest":
            try:
                store.parse_uri(record)
            except store.RecordError as error:
                raise ScanError(f"--record {error}") from None
            uris.append(record)
            continue
        path = stack_path(args)
        name = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name) if path is not None else None
        if name is None:
            raise ScanError("--record latest needs --stack NAME or --stack stacks/Pulumi.<NAME>.yaml "
                            "(the stack whose records to read)")
        try:
            stack = load_stack_file(path)
            for zone in stack.zones:
                bucket = store.audit_bucket(session, zone.name)
                uris.append(store.latest(session, bucket, project_of(path.parent), name.group(1)))
        except (ConfigError, store.RecordError) as error:
            raise ScanError(f"--record latest: {error}") from None
    return tuple(dict.fromkeys(uris))


def stack_settings(path: Path) -> tuple[dict[str, tuple[str, dict[str, list[str]]]], str]:
    """From a zone stack file: zone -> (region, measurements) of every zone it configures enclave
    attestation for, and the deployer role."""
    from regzone.config.loader import load_stack_file
    stack = load_stack_file(path)
    attestation = {zone.name: (stack.zone_region(zone), zone.enclave_attestation.conditions())
                   for zone in stack.zones if zone.enclave_attestation is not None}
    return attestation, stack.deployer_role_arn


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError

    from regzone.catalog import load_catalog
    from regzone.config.errors import ConfigError
    from regzone.config.model import ROLE_ARN_PATTERN
    from regzone.evidence.checks import iam_policy
    from regzone.evidence.formats import RENDERERS
    from regzone.evidence.runner import Progress, ScanError, ScanOptions, scan

    if args.print_iam_policy:
        sys.stdout.write(json.dumps(iam_policy(), indent=2) + "\n")
        return 0
    if args.deployer_role_arn is not None and not re.fullmatch(ROLE_ARN_PATTERN, args.deployer_role_arn):
        print(f"regzone evidence: --deployer-role-arn {args.deployer_role_arn!r} is not an IAM role ARN; "
              "valid: arn:aws:iam::<account>:role/<name> (regzone:deployer_role_arn of the stack)", file=sys.stderr)
        return 2
    if args.max_workers < 1 or args.max_attempts < 1 or (args.min_retention_days or 0) < 0:
        print("regzone evidence: --max-workers and --max-attempts must be >= 1, --min-retention-days >= 0",
              file=sys.stderr)
        return 2
    try:
        session = boto3.Session()
    except BotoCoreError as error:   # e.g. AWS_PROFILE names a profile that does not exist
        print(f"regzone evidence: {error}", file=sys.stderr)
        return 2
    regions = tuple(dict.fromkeys(args.regions or ([session.region_name] if session.region_name else [])))
    if not regions:
        print("regzone evidence: no region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION", file=sys.stderr)
        return 2
    try:
        records = resolve_records(args, session)
    except ScanError as error:
        print(f"regzone evidence: {error}", file=sys.stderr)
        return 2
    catalog = load_catalog()
    retention = (args.min_retention_days if args.min_retention_days is not None
                 else catalog.min_retention_days(args.frameworks or list(catalog.frameworks)))
    attestation, deployer = None, args.deployer_role_arn
    if args.stack is not None:
        try:
            attestation, stack_deployer = stack_settings(stack_path(args))
        except ConfigError as error:
            print(f"regzone evidence: --stack: {error}", file=sys.stderr)
            return 2
        deployer = deployer or stack_deployer
    options = ScanOptions(regions=regions, zone=args.zone, min_retention_days=retention,
                          checks=tuple(args.checks), max_workers=args.max_workers,
                          retry_mode=args.retry_mode, max_attempts=args.max_attempts,
                          deployer_role_arn=deployer, attestation=attestation, records=records)
    try:
        report = scan(options, session, Progress())
    except ScanError as error:
        print(f"regzone evidence: {error}", file=sys.stderr)
        return 2
    text = RENDERERS[args.format](report)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    counts = report.counts()
    print(f"regzone evidence: {counts['PASS']} pass, {counts['FAIL']} fail, {counts['ERROR']} error "
          f"({report.stats['api_calls']} API calls, {report.stats['seconds']:.1f}s)", file=sys.stderr)
    return 0 if report.ok else 1
