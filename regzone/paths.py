"""The repository's folders, for tooling run from a checkout (editable install). Code the policy pack imports
must not use them: an installed wheel has no repository (the catalog comes from regzone.catalog_files)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STACKS_DIR = REPO_ROOT / "stacks"
INCLUSTER_DIR = REPO_ROOT / "incluster"
POLICY_PACK_DIR = REPO_ROOT / "policypacks" / "regulated-ai"
BASELINE_DIR = REPO_ROOT / "baseline"
