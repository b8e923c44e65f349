"""One real offline preview of a deliberately broken program, shared by the report tests.

The program lives in a temporary `stacks/` folder that the recorder treats as the repository, so
that creation sites are captured exactly as they are for the real program.
"""
import json

import pytest
import yaml

from regzone.paths import STACKS_DIR
from regzone.preview.run import run_preview

ADMIN = "arn:aws:iam::111122223333:root"
WILDCARD_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "AllForAdmin", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "AllAgain", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"}]})

BROKEN_PROGRAM = f'''import pulumi
import pulumi_aws as aws

aws.kms.Key("no-rotation", enable_key_rotation=False, deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(protect=True))
aws.kms.Key("wildcard", enable_key_rotation=True, deletion_window_in_days=30, policy={WILDCARD_POLICY!r},
            opts=pulumi.ResourceOptions(protect=True))
'''


@pytest.fixture(scope="session")
def broken_preview(tmp_path_factory):
    """(result, repo root, stacks dir) of the broken program, previewed against the real pack."""
    root = tmp_path_factory.mktemp("repo")
    stacks = root / "stacks"
    stacks.mkdir()
    (stacks / "__main__.py").write_text(BROKEN_PROGRAM)
    config = yaml.safe_load((STACKS_DIR / "Pulumi.dev.yaml").read_text())["config"]
    (stacks / "Pulumi.broken.yaml").write_text(yaml.safe_dump({"config": config}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("regzone.preview.recorder.REPO_ROOT", root)
        result = run_preview("broken", stacks_dir=stacks)
    return result, root, stacks


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)
