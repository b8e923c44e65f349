"""The Pulumi CLI runs stacks/__main__.py and the pack with the repository root NOT on sys.path:
the project's packages must import from anywhere once installed into the virtualenv."""
import subprocess  # nosec B404
import sys


def test_project_packages_import_outside_the_repository(tmp_path):
    code = ("import components.zone, regzone.cli, regzone.catalog, regzone_core.policy.catalogue as c; "
            "regzone.catalog.load_catalog(); c.service_actions(\"kms\")")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=120)  # nosec B603
    assert done.returncode == 0, done.stderr


def test_pack_requirements_install_the_project():
    from regzone.paths import POLICY_PACK_DIR
    lines = [line.strip() for line in (POLICY_PACK_DIR / "requirements.txt").read_text().splitlines()]
    assert "-e ../.." in lines
