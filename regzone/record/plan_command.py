"""`regzone rollback-plan --stack NAME`: what to redeploy to return the stack to its rollback target
(the previous verified record: commit and image digests), the commands, and the evidence the
rollback itself leaves. Reads each zone's newest record from its audit bucket and verifies it and
its target again.

Exit codes: 0 a plan; 1 no plan can be made (no previous verified record, a record that does not
verify, zones that disagree): the message says what to do instead; 2 usage or config error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from regzone.paths import STACKS_DIR

EXIT_OK, EXIT_NO_PLAN, EXIT_USAGE = 0, 1, 2
NAME = "regzone rollback-plan"


def register(commands) -> None:
    parser = commands.add_parser(
        "rollback-plan", help="what to redeploy to roll a stack back to its previous verified deployment record, "
                              "and the evidence the rollback leaves")
    parser.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--program", type=Path, default=STACKS_DIR,
                        help="directory holding Pulumi.<stack>.yaml (default: stacks/)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--output", type=Path, help="write the plan to this file instead of stdout")
    parser.set_defaults(handler=run)


def commands(stack: str, commit: str, regions: list[str]) -> dict[str, list[str]]:
    """The two ways back to `commit`: through the deploy workflow (reviewed, the default), and by
    hand as the deployer role when the workflow cannot meet the rollback objective."""
    short = commit[:12]
    return {
        "deployWorkflow": [
            "git fetch origin",
            f"git switch -c rollback/{stack}-{short} origin/main",
            f"git restore --source={commit} --staged --worktree -- :/",
            f'git commit -m "Roll back stack {stack} to {short}"',
            f"git push -u origin rollback/{stack}-{short}",
            "# open the pull request, have it approved and merged: .github/workflows/deploy.yml runs pulumi up "
            "with the pack, writes and verifies the records",
        ],
        "byHand": [
            f"git switch --detach {commit}",
            f"regzone pack-config --stack {stack} --output pack-config.json",
            f"pulumi up --stack {stack} --policy-pack policypacks/regulated-ai --policy-pack-config pack-config.json",
            f"pulumi stack export --stack {stack} --file state.json",
            f"regzone record --stack {stack} --state state.json --commit {commit} --policy-pack-config "
            "pack-config.json --approver NAME --output record-uris.txt",
            "xargs regzone record verify < record-uris.txt",
            f"regzone evidence --stack {stack} --record latest" + "".join(f" --region {r}" for r in regions),
            "rm state.json",
        ],
    }


def evidence(stack: str) -> list[str]:
    return [
        "the preview of the target commit by the policy pack (in `pulumi up`), kept as the new record's "
        "regzone_preventiveEvidence",
        f"one new signed, COMPLIANCE-locked deployment record per zone of stack {stack} (RAZ-CHG-002): its "
        "regzone_change names the commit deployed, the approvers and who ran it; its regzone_rollback names the "
        "record rolled back from as its own target; its eventTime against the incident's start is the time the "
        "rollback took",
        "`regzone record verify` of each new record (digests, signature, lock)",
        f"`regzone evidence --stack {stack} --record latest`: the running zone compared with the new record "
        "(RAZ-CHG-004 drift); the images the workloads run can be compared with the digests above",
        "the zone's audit trail (CloudTrail): every call the deployer role made",
    ]


def _rehearsal(zone) -> dict[str, Any]:
    from regzone.assurance_levels import assurance_levels

    levels = assurance_levels()
    return {"assuranceLevel": zone.assurance_level,
            "rehearseEveryDays": levels.level(zone.assurance_level).rollback_rehearsal_days,
            "objectiveMinutes": levels.rollback_objective_minutes}


def plan(args: argparse.Namespace) -> dict[str, Any]:
    """The plan as data; raises ConfigError, RecordError or NoRollbackTarget."""
    import boto3

    from regzone.config.loader import load_stack_file
    from regzone.preview.recorder import project_of
    from regzone.record import rollback, store

    stack_config = load_stack_file(args.program / f"Pulumi.{args.stack}.yaml")
    project = project_of(args.program)
    session = boto3.Session()
    zones = []
    for zone in stack_config.zones:
        found = rollback.zone_plan(session, zone=zone.name, bucket=store.audit_bucket(session, zone.name),
                                   project=project, stack=args.stack)
        patterns = list(zone.registry.tag_exclusion_patterns) if zone.registry is not None else []
        for image in found.target.get("images") or []:
            image["registry"] = rollback.registry_status(session, stack_config.zone_region(zone), image, patterns)
        rollback.missing_images(zone.name, found.target.get("images") or [])
        zones.append({"zone": zone.name, "current": found.current, "target": found.target,
                      "passedOver": found.passed_over, "rehearsal": _rehearsal(zone)})
    unnamed = [z["target"]["uri"] for z in zones if not z["target"]["commit"]]
    if unnamed:
        raise rollback.NoRollbackTarget(f"the rollback target {unnamed[0]} names no commit (it was recorded without "
                                        "--commit or $GITHUB_SHA): choose the commit by hand and record why")
    commits = {z["target"]["commit"] for z in zones}
    if len(commits) != 1:
        raise rollback.NoRollbackTarget(
            "the zones' rollback targets name " + ", ".join(f"{z['zone']}: commit {z['target']['commit']}"
                                                            for z in zones)
            + ": not one commit to redeploy; roll back per zone by hand, or choose one commit and record why")
    (commit,) = commits
    return {"stack": args.stack, "project": project, "commit": commit, "zones": zones,
            "commands": commands(args.stack, commit, sorted({stack_config.zone_region(z) for z in stack_config.zones})),
            "evidence": evidence(args.stack)}


def text(found: dict[str, Any]) -> str:
    from regzone.record.rollback import images_text

    lines = [f"Rollback plan for stack {found['stack']}: redeploy commit {found['commit']}"]
    for z in found["zones"]:
        current, target, rehearsal = z["current"], z["target"], z["rehearsal"]
        lines += ["", f"zone {z['zone']}",
                  f"  deployed now: {current['uri']} (commit {current['commit']}, {current['eventTime']})",
                  f"  roll back to: {target['uri']} (commit {target['commit']}, {target['eventTime']})",
                  "  images to run, by digest (registry: present, missing, or unchecked):"]
        lines += [f"    {line}" for line in images_text(target.get("images"))]
        lines += [f"  passed over, does not verify: {p['uri']}: {'; '.join(p['problems'])}" for p in z["passedOver"]]
        every = rehearsal["rehearseEveryDays"]
        lines.append(f"  assurance level {rehearsal['assuranceLevel']}: rehearse this rollback "
                     + (f"at least every {every} days" if every else "when the zone's owners decide")
                     + f"; objective: done within {rehearsal['objectiveMinutes']} minutes")
    lines += ["", "Through the deploy workflow (reviewed; the default):"]
    lines += [f"  {c}" for c in found["commands"]["deployWorkflow"]]
    lines += ["", "By hand, as the deployer role (when the workflow cannot meet the objective):"]
    lines += [f"  {c}" for c in found["commands"]["byHand"]]
    lines += ["", "Workloads: redeploy each by the digests above (admission admits only zone-registry images pinned "
                  "by digest); the in-cluster stack at the same commit redeploys the device plugins.",
              "", "Evidence the rollback leaves:"]
    lines += [f"  - {e}" for e in found["evidence"]]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from regzone.config.errors import ConfigError
    from regzone.record.rollback import NoRollbackTarget
    from regzone.record.store import RecordError

    try:
        found = plan(args)
    except ConfigError as err:
        print(f"{NAME}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (RecordError, NoRollbackTarget) as err:
        print(f"{NAME}: no rollback plan: {err}", file=sys.stderr)
        return EXIT_NO_PLAN
    rendered = json.dumps(found, indent=2, sort_keys=True) + "\n" if args.format == "json" else text(found)
    if args.output is None:
        sys.stdout.write(rendered)
    else:
        args.output.write_text(rendered, encoding="utf-8")
    return EXIT_OK
