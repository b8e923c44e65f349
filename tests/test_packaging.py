"""The Pulumi CLI installs this project where it runs the programs and the pack.

How the CLI resolves a Python project's layout (pulumi/pulumi, pip toolchain):
- the program directory is `main:` of Pulumi.yaml, relative to the file's directory
  (`pkg/engine/project.go`, getPwdMain); a policy pack's root and program directory are both its
  own directory (`sdk/go/common/resource/plugin/analyzer_plugin.go`, `plugin.go`: NewProgramInfo(pluginDir,
  pluginDir, ...));
- `virtualenv:` is relative to the project root, the directory of Pulumi.yaml / PulumiPolicy.yaml, not
  to `main:` (`sdk/python/toolchain/pip.go`, resolveVirtualEnvironmentPath(root, virtualenv));
- `pulumi install` (and the first `pulumi preview`/`up` of a program, through EnsureVenv) creates the
  virtualenv, then runs `python -m pip install -r requirements.txt` with the PROGRAM directory as working
  directory, and silently skips pip when that directory has no requirements.txt (pip.go,
  InstallDependencies: `pipCmd.Dir = cwd`, `filepath.Join(cwd, "requirements.txt")`).
pip resolves a local path in a requirements file (`-e ..`) against its own working directory
(pip `_internal/req/constructors.py`, parse_editable: `os.path.isdir(url)` on the relative path).
"""
import os
import shlex
import subprocess  # nosec B404
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from regzone.paths import POLICY_PACK_DIR, REPO_ROOT

PROJECT_FILES = ("Pulumi.yaml", "PulumiPolicy.yaml", "PulumiPlugin.yaml")
_NOT_SOURCES = {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}


def repository_files(names: tuple[str, ...]) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(REPO_ROOT):
        subdirs[:] = [d for d in subdirs if d not in _NOT_SOURCES and not d.endswith(".egg-info")]
        found += [Path(directory) / f for f in files if f in names]
    return sorted(found)


@dataclass(frozen=True)
class CliLayout:
    """Where the CLI runs pip for a project file, and which virtualenv it runs the program in."""

    project_file: Path
    pip_dir: Path
    virtualenv: Path


def cli_layout(project_file: Path) -> CliLayout:
    document = yaml.safe_load(project_file.read_text())
    root = project_file.parent
    runtime = document["runtime"]
    assert runtime["name"] == "python" and runtime["options"]["toolchain"] == "pip", (
        f"{project_file}: this layout model is the pip toolchain's; update it for {runtime}")
    program = root
    if project_file.name == "Pulumi.yaml" and document.get("main"):
        program = (root / document["main"]).resolve()
        program = program if program.is_dir() else program.parent
    return CliLayout(project_file, program, (root / runtime["options"]["virtualenv"]).resolve())


def local_requirements(requirements: Path, pip_dir: Path) -> list[Path]:
    """Local paths (`-e PATH`, `--editable PATH`, `PATH`) in a requirements file, resolved as pip would."""
    paths = []
    for line in requirements.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] in (["-e"], ["--editable"]):
            words = words[1:]
        if words and (words[0].startswith(".") or words[0].startswith("/")):
            paths.append((pip_dir / words[0]).resolve())
    return paths


def runtime_name(project_file: Path) -> str:
    runtime = yaml.safe_load(project_file.read_text())["runtime"]
    return runtime if isinstance(runtime, str) else runtime["name"]


# Programs in other languages (examples/ consuming the component provider) install their own dependencies.
LAYOUTS = [cli_layout(p) for p in repository_files(PROJECT_FILES) if runtime_name(p) == "python"]
LAYOUT_IDS = [str(layout.project_file.relative_to(REPO_ROOT)) for layout in LAYOUTS]
PROJECT_NAME = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["name"]


def test_every_project_file_is_modelled():
    assert {str(p) for p in LAYOUT_IDS} >= {"Pulumi.yaml", "incluster/Pulumi.yaml", "baseline/Pulumi.yaml",
                                            "policypacks/regulated-ai/PulumiPolicy.yaml", "provider/PulumiPlugin.yaml"}


def test_layout_model_follows_main_and_the_project_root():
    zone = cli_layout(REPO_ROOT / "Pulumi.yaml")
    assert zone.pip_dir == REPO_ROOT / "stacks" and zone.virtualenv == REPO_ROOT / ".venv"
    pack = cli_layout(POLICY_PACK_DIR / "PulumiPolicy.yaml")
    assert pack.pip_dir == POLICY_PACK_DIR and pack.virtualenv == POLICY_PACK_DIR / "venv"


PROGRAMS = [layout for layout in LAYOUTS if layout.project_file.name == "Pulumi.yaml"]
PROGRAM_IDS = [str(layout.project_file.relative_to(REPO_ROOT)) for layout in PROGRAMS]


@pytest.mark.parametrize("layout", PROGRAMS, ids=PROGRAM_IDS)
def test_cli_pip_directory_installs_this_project(layout):
    """`pulumi install` runs pip where a requirements.txt installs the project (editable, from the repo).
    The policy pack is published without the repository: it names released packages only
    (tests/test_pack_publishable.py)."""
    requirements = layout.pip_dir / "requirements.txt"
    assert requirements.is_file(), (
        f"the CLI runs pip in {layout.pip_dir.relative_to(REPO_ROOT)}/ for {layout.project_file.name}; "
        "without requirements.txt there it installs nothing and the program fails with 'No module named ...'")
    assert REPO_ROOT in local_requirements(requirements, layout.pip_dir), (
        f"{requirements.relative_to(REPO_ROOT)} does not install {PROJECT_NAME} from {REPO_ROOT}")


@pytest.mark.parametrize("layout", LAYOUTS, ids=LAYOUT_IDS)
def test_virtualenv_is_inside_the_project_and_not_committed(layout):
    venv = layout.virtualenv.relative_to(REPO_ROOT)  # raises when it resolves outside the repository
    ignored = subprocess.run(["git", "check-ignore", "-q", str(venv / "bin" / "python")], cwd=REPO_ROOT,
                             capture_output=True, timeout=30)  # nosec B603 B607
    assert ignored.returncode == 0, f"{venv}/ is not in .gitignore"


def test_programs_share_the_repository_virtualenv():
    """The zone, in-cluster and baseline programs install the same project: one .venv, the one `make` creates."""
    assert {layout.virtualenv for layout in PROGRAMS} == {REPO_ROOT / ".venv"}


def test_every_requirements_file_is_one_the_cli_reads():
    """A requirements file the CLI never reads is silently ignored: none may exist."""
    read = {layout.pip_dir / "requirements.txt" for layout in LAYOUTS}
    unread = [p.relative_to(REPO_ROOT) for p in repository_files(("requirements.txt",)) if p not in read]
    assert unread == []


def test_project_packages_import_outside_the_repository(tmp_path):
    """The CLI runs stacks/__main__.py with the program directory as working directory and the repository
    root NOT on sys.path: the packages must import from the virtualenv alone."""
    code = ("import components.zone, regzone.cli, regzone.catalog, regzone_core.policy.catalogue as c; "
            "regzone.catalog.load_catalog(); c.service_actions(\"kms\")")
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=120)  # nosec B603
    assert done.returncode == 0, done.stderr


def _cli_install(venv: Path, pip_dir: Path) -> Path:
    """What `pulumi install` does for the pip toolchain: create the venv, upgrade pip, install requirements.txt
    from the program directory. Needs the package index (PyPI)."""
    python = venv / "bin" / "python"
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools", "wheel"],
             # the CLI skips this step, silently, when the program directory has no requirements.txt
             *([[str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"]]
               if (pip_dir / "requirements.txt").is_file() else [])]
    for step in steps:
        done = subprocess.run(step, cwd=pip_dir, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "VIRTUAL_ENV": str(venv)})  # nosec B603
        assert done.returncode == 0, f"{step}: {done.stderr[-3000:]}"
    return python


@pytest.mark.slow
def test_cli_install_makes_every_program_runnable_from_elsewhere(tmp_path):
    """A fresh .venv installed as the CLI installs it for the zone program runs that program (under mocks,
    with the real pack) from an unrelated directory; installed again for the in-cluster program and the
    baseline (the same virtualenv), it runs those too. Each program is run right after its own install."""
    venv, elsewhere = tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    for project_file in (REPO_ROOT / "Pulumi.yaml", REPO_ROOT / "incluster" / "Pulumi.yaml",
                         REPO_ROOT / "baseline" / "Pulumi.yaml"):
        program = cli_layout(project_file).pip_dir
        python = _cli_install(venv, program)
        done = subprocess.run([str(python), "-I", "-m", "regzone.cli", "preview", "--program", str(program),
                               "--stack", "dev", "--format", "json", "--output", str(elsewhere / "report.json")],
                              cwd=elsewhere, capture_output=True, text=True, timeout=600)  # nosec B603
        assert done.returncode == 0, f"{project_file.relative_to(REPO_ROOT)}: {done.stderr[-3000:]}"
