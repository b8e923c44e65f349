"""Every documented `pulumi preview|up --policy-pack` passes the pack config, and that config is the file the
same document (or workflow job) tells the user to generate with `regzone pack-config --output`.

The pack cannot read stack config and its defaults allow no region, zone or data class (docs/policy-pack.md):
a command without `--policy-pack-config` blocks every resource of a correct stack."""
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from regzone.paths import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
_PULUMI_RUN = re.compile(r"\bpulumi\s+(?:preview|up)\b[^;&|`]*")
_PACK = re.compile(r"--policy-pack(?:=|\s+)(\S+)")
_PACK_CONFIG = re.compile(r"--policy-pack-config(?:=|\s+)(\S+)")
_GENERATED = re.compile(r"\bregzone\s+pack-config\b[^;&|`]*?--output(?:=|\s+)(\S+)")


@dataclass(frozen=True)
class PackCommand:
    where: str
    command: str
    config: str | None


def shell_texts(markdown: str) -> list[str]:
    """Lines of fenced code blocks (continuations joined) and inline code spans."""
    texts, fenced, pending = [], False, ""
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            pending += line.rstrip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            texts.append(pending)
            pending = ""
        else:
            texts += re.findall(r"`([^`]+)`", line)
    return texts


def pack_commands(where: str, texts: list[str]) -> list[PackCommand]:
    found = []
    for text in texts:
        for match in _PULUMI_RUN.finditer(text):
            command = match.group(0).split(" #")[0].strip()
            if _PACK.search(command):
                config = _PACK_CONFIG.search(command)
                found.append(PackCommand(where, command, config.group(1) if config else None))
    return found


def generated_configs(texts: list[str]) -> set[str]:
    return {m.group(1) for text in texts for m in _GENERATED.finditer(text)}


def problems(commands: list[PackCommand], generated: set[str]) -> list[str]:
    out = []
    for c in commands:
        if c.config is None:
            out.append(f"{c.where}: `{c.command}` has no --policy-pack-config")
        elif c.config not in generated:
            out.append(f"{c.where}: `{c.command}` uses {c.config}, which no `regzone pack-config --output` "
                       f"there writes (written: {sorted(generated)})")
    return out


def document_cases() -> list[tuple[str, list[PackCommand], set[str]]]:
    cases = []
    for path in DOCS:
        texts = shell_texts(path.read_text())
        where = str(path.relative_to(REPO_ROOT))
        cases.append((where, pack_commands(where, texts), generated_configs(texts)))
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            where = f"{path.relative_to(REPO_ROOT)} job {name}"
            texts = [re.sub(r"\\\n\s*", " ", s.get("run", "")) for s in job.get("steps", [])]
            texts = [line for text in texts for line in text.splitlines()]
            commands = pack_commands(where, texts)
            for s in job.get("steps", []):
                with_ = s.get("with", {})
                if s.get("uses", "").startswith("pulumi/actions@") and with_.get("policyPacks") \
                        and with_.get("command") in ("preview", "up", "update"):
                    commands.append(PackCommand(where, f"pulumi/actions {with_['command']}",
                                                with_.get("policyPackConfigs")))
            cases.append((where, commands, generated_configs(texts)))
    return cases


CASES = document_cases()


def test_the_documents_that_deploy_are_scanned():
    """The scan finds the deploy commands the README, the deploying guide and the workflow hold."""
    counted = {where: len(commands) for where, commands, _ in CASES}
    assert counted["README.md"] >= 4 and counted["docs/deploying.md"] >= 4
    assert counted[".github/workflows/compliance.yml job preview"] == 1


@pytest.mark.parametrize("where, commands, generated", CASES, ids=[c[0] for c in CASES])
def test_every_policy_pack_command_passes_the_generated_config(where, commands, generated):
    assert problems(commands, generated) == []


def test_checker_flags_a_missing_and_an_ungenerated_config():
    doc = """
```bash
regzone pack-config --stack dev --output pack-config.dev.json
pulumi preview --policy-pack policypacks/regulated-ai
pulumi up --policy-pack policypacks/regulated-ai --policy-pack-config other.json
pulumi up --policy-pack policypacks/regulated-ai \\
  --policy-pack-config pack-config.dev.json   # continued line
```
Then run `pulumi preview --policy-pack=policypacks/regulated-ai` again.
"""
    texts = shell_texts(doc)
    found = problems(pack_commands("doc", texts), generated_configs(texts))
    assert len(found) == 3
    assert "has no --policy-pack-config" in found[0] and "uses other.json" in found[1]
    assert "pulumi preview --policy-pack=policypacks/regulated-ai" in found[2]


def test_deploying_guide_is_linked_from_the_readme_deploy_section():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Deploying with the Pulumi CLI", 1)[1].split("\n## ", 1)[0]
    assert "(docs/deploying.md)" in section
    assert Path(REPO_ROOT / "docs" / "deploying.md").is_file()
