"""The policy pack directory is self-contained: published as it is, it installs and serves.

What the Pulumi CLI does with a pack (pulumi/pulumi, pkg and sdk/python):
- `pulumi policy publish` starts the pack from its directory to read its name, version and policies
  (GetAnalyzerInfo), then uploads that directory as a .tgz, minus what `.gitignore` files exclude
  (pkg/backend/httpstate/policypack.go, cloudPolicyPack.Publish; sdk/go/common/util/archive, TGZ);
- enforcing a published pack, the CLI unpacks the .tgz and installs its dependencies with the pack
  directory as program directory (policypack.go, installRequiredPolicy): for Python, a virtualenv
  (`virtualenv:` of PulumiPolicy.yaml, `venv` when unset), `python -m pip install --upgrade pip setuptools
  wheel`, then `python -m pip install -r requirements.txt` in the pack directory
  (sdk/python/toolchain/pip.go, InstallDependencies);
- it runs the pack as `python -u -m pulumi.policy <engine> <pack dir>` with the pack directory as working
  directory (sdk/python/cmd/pulumi-language-python/main.go, RunPlugin, kind analyzer).

So nothing outside the pack directory exists for it: the repository is not there, and what the pack imports
must come from released packages named in requirements.txt.
"""
import json
import re
import shutil
import subprocess  # nosec B404
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from regzone.catalog_files import CATALOG_DATA_DIR, CATALOG_PACKAGE, catalog_data
from regzone.paths import POLICY_PACK_DIR, REPO_ROOT
from regzone.preview.analyzer import PolicyPackClient
from tests.wheelhouse import build_project_wheel, installed_closure, offline_pip_env, repack

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CATALOG_DIR = REPO_ROOT / "catalog"  # the single source
PACKAGES = ("regzone", "regzone_core", "components")
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+$")
_NOT_PUBLISHED = shutil.ignore_patterns("venv", ".venv", "__pycache__", "*.pyc")


def pack_requirements() -> list[str]:
    lines = (POLICY_PACK_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


# ---- fast: what the pack names and what the package ships ------------------------------------------------

def test_pack_requirements_name_released_packages_pinned():
    """No local path, URL, editable install or option: only `name==version` of packages an index serves."""
    requirements = pack_requirements()
    loose = [r for r in requirements if not _PIN.match(r)]
    assert requirements and loose == [], f"policypacks/regulated-ai/requirements.txt: not `name==version`: {loose}"


def test_pack_requires_this_release_and_the_projects_own_pins():
    """The pack installs the distribution built from this source (its version), and each other pin is the
    one pyproject.toml pins, so the pack runs the SDK versions the project is tested with."""
    pins = {canonicalize_name(r.name): r.specifier for r in map(Requirement, pack_requirements())}
    assert str(pins.get(canonicalize_name(PYPROJECT["name"]))) == f"=={PYPROJECT['version']}"
    project_pins = {canonicalize_name(r.name): r.specifier for r in map(Requirement, PYPROJECT["dependencies"])}
    differing = {name: (str(spec), str(project_pins.get(name))) for name, spec in pins.items()
                 if name != canonicalize_name(PYPROJECT["name"]) and project_pins.get(name) != spec}
    assert differing == {}, f"pins of the pack vs pyproject.toml: {differing}"


def test_shipped_catalog_equals_the_source():
    """regzone/catalog_data is catalog/ file for file, byte for byte (`make catalog-data` copies it)."""
    source = {p.name: p.read_bytes() for p in CATALOG_DIR.iterdir() if p.is_file()}
    shipped = {p.name: p.read_bytes() for p in catalog_data().iterdir() if p.is_file()}
    assert sorted(shipped) == sorted(source), "run `make catalog-data`: the shipped catalog has other files"
    stale = sorted(name for name in source if shipped[name] != source[name])
    assert stale == [], f"run `make catalog-data`: regzone/{CATALOG_DATA_DIR}/ differs from catalog/ in {stale}"


def test_no_code_reads_the_repository_catalog():
    """Every catalog read goes through regzone.catalog_files (the packaged copy): a module that opens
    `catalog/` relative to the repository breaks as soon as it runs from an installed wheel."""
    offenders = [str(path.relative_to(REPO_ROOT))
                 for package in (*PACKAGES, "policypacks/regulated-ai/regulated_ai")
                 for path in sorted((REPO_ROOT / package).rglob("*.py"))
                 if re.search(r"/\s*[\"']catalog[\"']", path.read_text(encoding="utf-8"))]
    assert offenders == []


# ---- slow: build, install offline from the pack's own requirements, run from a copy ----------------------

@pytest.fixture(scope="module")
def project_wheel(tmp_path_factory) -> Path:
    """The project's wheel, built offline from a copy of its sources (tracked and new files, not ignored
    ones), so that no build/ output of an earlier build leaks in."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=REPO_ROOT, capture_output=True, check=True, timeout=60).stdout  # nosec B603 B607
    source = tmp_path_factory.mktemp("source")
    for name in filter(None, listed.decode().split("\0")):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
    return build_project_wheel(source, tmp_path_factory.mktemp("dist"))


@pytest.mark.slow
def test_wheel_ships_every_data_file_of_the_packages(project_wheel):
    """Every non-Python file in the packages' folders is in the wheel: the catalog copy, the IAM action data,
    the record schema and each evidence check's metadata.json (missing, the installed collector has no checks)."""
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGES],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                             timeout=60).stdout.split()  # nosec B603 B607
    data_files = {name for name in tracked if not name.endswith(".py")}
    with zipfile.ZipFile(project_wheel) as wheel:
        shipped = set(wheel.namelist())
        catalog = {Path(n).name: wheel.read(n) for n in shipped if n.startswith(f"{CATALOG_PACKAGE}/{CATALOG_DATA_DIR}/")}
    assert sorted(data_files - shipped) == []
    assert catalog == {p.name: p.read_bytes() for p in CATALOG_DIR.iterdir() if p.is_file()}


# every catalog file, each through the loader that validates it
_LOAD_EVERY_CATALOG_FILE = """
import json, sys
import regzone
from regzone.assurance_levels import assurance_levels
from regzone.catalog import load_catalog, region_az_counts
from regzone.catalog_files import catalog_data, load_catalog_yaml
from regzone.confidential_modes import confidential_modes
from regzone.coverage.services import load_services
from regzone.device_plugins import device_plugins
from regzone.eks_versions import eks_calendar
from regzone.instance_types import instance_catalog
from regzone.key_caller_permissions import caller_permissions
for load in (load_catalog, region_az_counts, assurance_levels, confidential_modes, load_services,
             device_plugins, eks_calendar, instance_catalog, caller_permissions):
    load()
names = sorted(p.name for p in catalog_data().iterdir())
print(json.dumps({"regzone": regzone.__file__, "sys_path": sys.path,
                  "catalog": {name: load_catalog_yaml(name) for name in names}}, default=str))
"""


@pytest.mark.slow
def test_pack_copied_alone_installs_offline_and_serves_every_policy(tmp_path, project_wheel):
    """The pack directory alone, in a temporary place; a fresh virtualenv (no system site-packages) made as the
    CLI makes it; `pip install -r requirements.txt` run in the pack directory against a local wheelhouse only
    (the project's wheel built from source, every other requirement repacked from this virtualenv); the pack
    started as the CLI starts it, repository not on sys.path: it serves every policy of the pack.

    The CLI's first pip step (`--upgrade pip setuptools wheel`) is left out: it needs the index and only
    updates pip's own tools."""
    pack = tmp_path / "package"  # the CLI unpacks a published pack's .tgz into `package/`
    shutil.copytree(POLICY_PACK_DIR, pack, ignore=_NOT_PUBLISHED)
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy2(project_wheel, wheelhouse)
    for dist in installed_closure(pack_requirements()):
        if canonicalize_name(dist.metadata["Name"]) != canonicalize_name(PYPROJECT["name"]):
            repack(dist, wheelhouse)

    venv_dir = pack / yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())["runtime"]["options"]["virtualenv"]
    python = venv_dir / "bin" / "python"
    steps = [[sys.executable, "-m", "venv", str(venv_dir)],
             [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(wheelhouse),
              "-r", "requirements.txt"]]
    for step in steps:
        done = subprocess.run(step, cwd=pack, capture_output=True, text=True, timeout=900,
                              env=offline_pip_env())  # nosec B603
        assert done.returncode == 0, f"{step[2:5]}: {done.stderr[-3000:]}"

    # what the pack's interpreter imports and reads, from the pack directory, as the CLI runs it
    probe = subprocess.run([str(python), "-c", _LOAD_EVERY_CATALOG_FILE], cwd=pack, capture_output=True,
                           text=True, timeout=300)  # nosec B603
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout)
    assert Path(seen["regzone"]).is_relative_to(venv_dir), seen["regzone"]
    assert not [p for p in seen["sys_path"] if p and Path(p).resolve().is_relative_to(REPO_ROOT)]
    source = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in CATALOG_DIR.iterdir() if p.is_file()}
    assert seen["catalog"] == json.loads(json.dumps(source, default=str))  # the probe's JSON: dates as text

    from regulated_ai.policies import all_policies
    expected = sorted(p.name for p in all_policies())
    with PolicyPackClient(pack, project="regzone", stack="dev", python=str(python)) as client:
        info, policies = client.info()
    assert info.name == "regulated-ai" and sorted(p.name for p in policies) == expected
