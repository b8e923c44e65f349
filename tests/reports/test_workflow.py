"""The PR workflow wires the gate as the README describes; its regzone commands exist in the CLI; its
actions are pinned to commits of current releases."""
import re
import shlex
import tomllib

import pytest
import yaml

from regzone.cli import build_parser
from regzone.paths import REPO_ROOT

WORKFLOW_FILE = REPO_ROOT / ".github" / "workflows" / "compliance.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text())
DEPLOY_FILE = REPO_ROOT / ".github" / "workflows" / "deploy.yml"
DEPLOY = yaml.safe_load(DEPLOY_FILE.read_text())
JOBS = {**WORKFLOW["jobs"], **DEPLOY["jobs"]}
WORKFLOW_FILES = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
# `uses: owner/repo[/path]@<commit>  # vMAJOR.MINOR.PATCH`: a tag can be moved to other code, a commit cannot.
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w.-]+(?:/[\w./-]+)?)@([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$")


def step(job, uses_prefix, **with_):
    return next(s for s in JOBS[job]["steps"] if s.get("uses", "").startswith(uses_prefix)
                and all(s.get("with", {}).get(k) == v for k, v in with_.items()))


def run_lines(job):
    return [line.strip() for s in JOBS[job]["steps"] for line in s.get("run", "").splitlines()]


def regzone_commands(job):
    commands = []
    for s in JOBS[job]["steps"]:
        for line in s.get("run", "").splitlines():
            if line.strip().startswith("regzone "):
                words = shlex.split(line.split(" 2>")[0].replace("${{ matrix.stack }}", "dev"))
                commands.append(words[1:])
    return commands


def test_runs_on_pull_requests_with_read_only_default_token():
    assert "pull_request" in WORKFLOW[True]  # YAML 1.1 reads the key `on` as True
    assert WORKFLOW["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("job", ["preview", "offline"])
def test_offline_previews_use_the_base_branch_gate_settings(job):
    previews = [c for c in regzone_commands(job) if c[0] == "preview"]
    assert previews and all(c[c.index("--policy-pack-config") + 1] == "pack-config.json" for c in previews)


def test_preview_job_uses_the_pulumi_action_with_the_pack_and_oidc():
    job = JOBS["preview"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["permissions"]["id-token"] == "write" and job["permissions"]["security-events"] == "write"
    pulumi = step("preview", "pulumi/actions@", command="preview")
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["policyPacks"] == "policypacks/regulated-ai"
    base, new_stack = [c for c in regzone_commands("preview") if c[0] == "pack-config"]
    for derive in (base, new_stack):
        assert derive[derive.index("--output") + 1] == pulumi["with"]["policyPackConfigs"]
    # the gate's settings come from the base branch's stack file, so a PR cannot widen its own gate
    assert "base-stacks" in base[base.index("--program") + 1] and "--program" not in new_stack
    aws = step("preview", "aws-actions/configure-aws-credentials@")
    assert aws["with"]["role-to-assume"] == "${{ secrets.AWS_PREVIEW_ROLE_ARN }}"
    assert "aws-access-key-id" not in aws["with"]  # OIDC, never long-lived keys


def test_uploaded_sarif_is_the_file_regzone_writes():
    upload = step("preview", "github/codeql-action/upload-sarif@")
    (sarif,) = [c for c in regzone_commands("preview") if "sarif" in c]
    assert sarif[sarif.index("--output") + 1] == upload["with"]["sarif_file"]


def test_fork_job_needs_no_secrets_and_no_elevated_token():
    job = JOBS["offline"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name != github.repository"
    assert "permissions" not in job and "secrets." not in yaml.safe_dump(job)


def test_baseline_job_previews_every_baseline_stack():
    from regzone.paths import BASELINE_DIR
    stacks = {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in BASELINE_DIR.glob("Pulumi.*.yaml")}
    assert set(JOBS["baseline"]["strategy"]["matrix"]["stack"]) == stacks
    (preview,) = [c for c in regzone_commands("baseline") if c[0] == "preview"]
    assert preview[preview.index("--program") + 1] == "baseline"
    assert "permissions" not in JOBS["baseline"] and "secrets." not in yaml.safe_dump(JOBS["baseline"])


@pytest.mark.parametrize("job", ["preview", "offline", "baseline", "matrix", "deploy"])
def test_regzone_commands_parse(job):
    commands = regzone_commands(job)
    assert commands
    for argv in commands:
        build_parser().parse_args(argv)  # exits (SystemExit) on an unknown flag or format


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines
    unpinned = [line.strip() for line in lines if not PINNED.match(line)]
    assert unpinned == [], "pin each action to a full commit SHA with `# vX.Y.Z` after it"


def test_pinning_rule_rejects_tags_and_short_shas():
    assert PINNED.match("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1")
    for line in ("      - uses: actions/checkout@v7",
                 "      - uses: actions/checkout@3d3c42e  # v7.0.1",
                 "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
                 "        uses: github/codeql-action/upload-sarif@v4  # v4.36.2"):
        assert not PINNED.match(line), line


def test_pulumi_cli_is_the_release_of_the_pinned_sdk():
    pins = dict(d.split("==") for d in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
                ["dependencies"])
    versions = {s["with"].get("pulumi-version") for job in ("preview", "deploy") for s in JOBS[job]["steps"]
                if s.get("uses", "").startswith("pulumi/actions@")}
    assert versions == {pins["pulumi"]}


# docs/deploying.md, step 3: the pack requires this project's release, which a checkout builds into dist/
INSTALL_STEPS = ["pulumi install", ".venv/bin/pip wheel --quiet --no-deps --wheel-dir dist .",
                 '(export PIP_FIND_LINKS="$PWD/dist" && cd policypacks/regulated-ai && pulumi install)']


def test_preview_job_installs_as_the_deploying_guide_says():
    """The CLI installs the program's .venv and the pack's venv (`pulumi install`), not hand-made venvs; the
    pack's venv gets this project from the wheel built from the checkout."""
    lines = run_lines("preview")
    assert all(step in lines for step in INSTALL_STEPS)
    assert not [line for line in lines if "pip install" in line or "-m venv" in line]
    guide = [line.split(" #")[0].strip() for line in (REPO_ROOT / "docs" / "deploying.md").read_text().splitlines()]
    assert all(step in guide for step in INSTALL_STEPS)
    installs = [i for i, s in enumerate(JOBS["preview"]["steps"]) if "pulumi install" in s.get("run", "")]
    first_regzone = next(i for i, s in enumerate(JOBS["preview"]["steps"]) if "regzone " in s.get("run", ""))
    assert installs and installs[0] < first_regzone


def test_deploy_runs_on_main_only_queued_never_cancelled():
    assert DEPLOY[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads the key `on` as True
    assert DEPLOY["permissions"] == {"contents": "read"}
    assert DEPLOY["concurrency"]["cancel-in-progress"] is False
    job = JOBS["deploy"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "read"}
    assert job["environment"] == "${{ matrix.stack }}" and job["strategy"]["max-parallel"] == 1


def test_deploy_records_after_up_and_verifies_what_it_wrote():
    """`pulumi up` with the pack, then the state export, the record (failing the job when it cannot be
    written) and the verification of exactly the records it wrote, as the deployer role."""
    steps = JOBS["deploy"]["steps"]
    aws = step("deploy", "aws-actions/configure-aws-credentials@")
    assert aws["with"]["role-to-assume"] == "${{ secrets.AWS_DEPLOY_ROLE_ARN }}" and "aws-access-key-id" not in aws["with"]
    up = step("deploy", "pulumi/actions@", command="up")
    assert up["with"]["policyPacks"] == "policypacks/regulated-ai" and up["with"]["policyPackConfigs"] == "pack-config.json"
    record = next(c for c in regzone_commands("deploy") if c[0] == "record")
    lines = run_lines("deploy")
    export = next(line for line in lines if line.startswith("pulumi stack export"))
    state = shlex.split(export)[shlex.split(export).index("--file") + 1]
    assert record[record.index("--state") + 1] == state
    assert record[record.index("--policy-pack-config") + 1] == up["with"]["policyPackConfigs"]
    assert f"xargs regzone record verify < {record[record.index('--output') + 1]}" in lines
    order = [i for i, s in enumerate(steps) if s is aws or s is up or "pulumi stack export" in s.get("run", "")
             or "regzone record" in s.get("run", "")]
    assert order == sorted(order) and len(order) == 5
    assert not any(s.get("continue-on-error") for s in steps)
    # the exported state (encrypted secrets) never outlives the job
    assert any(s.get("if") == "always()" and f'rm -f "{state}"' in s.get("run", "") for s in steps)
