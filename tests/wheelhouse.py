"""A local wheelhouse, so that tests install requirements into a fresh virtualenv with no network.

pip cannot fetch without the index and keeps no copy of the wheels it installed. An installed
distribution, though, is its wheel's files as listed in the RECORD of its `.dist-info` (PEP 376, PEP 427)
plus that metadata: packed again, they make a wheel that pip installs the same way. Files recorded
outside site-packages (console scripts) are left out; pip writes scripts again from entry_points.txt.
The project's own wheel is built from its sources (`pip wheel --no-build-isolation`), never repacked.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess  # nosec B404
import sys
import zipfile
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name

# install-time files of a dist-info that are not part of the wheel; RECORD is written anew
_INSTALL_ONLY = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}


def offline_pip_env() -> dict[str, str]:
    """The environment for pip with no index, no config file and no PIP_* settings from the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def installed_closure(requirements: list[str]) -> list[Distribution]:
    """The installed distributions that `requirements` need, transitively, markers evaluated, extras followed."""
    found: dict[str, Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [Requirement(r) for r in requirements]
    while pending:
        requirement = pending.pop()
        name, extras = canonicalize_name(requirement.name), frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = found.get(name) or distribution(requirement.name)
        except PackageNotFoundError:
            raise AssertionError(f"{requirement} is required but not installed in {sys.prefix}") from None
        found[name] = dist
        for text in dist.requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in (extras or {""})):
                pending.append(needed)
    return list(found.values())


def _wheel_name(dist: Distribution) -> str:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    supported = {str(tag) for tag in sys_tags()}
    usable = [tag for tag in tags if tag in supported]  # `py2-none-any` may come before `py3-none-any`
    assert usable, f"{dist.metadata['Name']}: no WHEEL tag of {tags} fits this interpreter"
    return f"{re.sub(r'[-_.]+', '_', dist.metadata['Name'])}-{dist.version}-{usable[0]}.whl"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(dist: Distribution, wheel_dir: Path) -> Path:
    """A wheel of an installed distribution: its recorded files inside site-packages and its metadata."""
    files = dist.files
    assert files is not None, f"{dist.metadata['Name']} has no RECORD"
    info_dirs = {f.parts[0] for f in files if f.parts[0].endswith(".dist-info")}
    assert len(info_dirs) == 1, f"{dist.metadata['Name']}: dist-info directories {info_dirs}"
    info_dir = info_dirs.pop()
    target = wheel_dir / _wheel_name(dist)
    record = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as wheel:
        for file in sorted(files, key=lambda f: f.as_posix()):
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            if file.parts[0] == info_dir and file.name in _INSTALL_ONLY:
                continue
            data = Path(dist.locate_file(file)).read_bytes()
            wheel.writestr(file.as_posix(), data)
            record.append(f"{file.as_posix()},{_record_hash(data)},{len(data)}")
        record.append(f"{info_dir}/RECORD,,")
        wheel.writestr(f"{info_dir}/RECORD", "\n".join(record) + "\n")
    return target


def build_project_wheel(source: Path, wheel_dir: Path) -> Path:
    """This project's wheel from a copy of its sources, offline: the build backend is the one installed
    here (setuptools, pinned in the test extra), so pip needs no isolated build environment."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--wheel-dir", str(wheel_dir), str(source)],
                          capture_output=True, text=True, timeout=600, env=offline_pip_env())  # nosec B603
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheels = sorted(wheel_dir.glob("regulated_ai_zones-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
