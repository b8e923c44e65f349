"""The PR workflow wires the gate as the README describes; its regzone commands exist in the CLI."""
import shlex

import pytest
import yaml

from regzone.cli import build_parser
from regzone.paths import REPO_ROOT

WORKFLOW = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "compliance.yml").read_text())
JOBS = WORKFLOW["jobs"]


def step(job, uses_prefix):
    return next(s for s in JOBS[job]["steps"] if s.get("uses", "").startswith(uses_prefix))


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
    pulumi = step("preview", "pulumi/actions@")
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


@pytest.mark.parametrize("job", ["preview", "offline", "matrix"])
def test_regzone_commands_parse(job):
    commands = regzone_commands(job)
    assert commands
    for argv in commands:
        build_parser().parse_args(argv)  # exits (SystemExit) on an unknown flag or format
