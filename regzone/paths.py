"""Where the repository's data lives, resolved from this package (editable install or checkout)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOG_DIR = REPO_ROOT / "catalog"
STACKS_DIR = REPO_ROOT / "stacks"
INCLUSTER_DIR = REPO_ROOT / "incluster"
POLICY_PACK_DIR = REPO_ROOT / "policypacks" / "regulated-ai"
BASELINE_DIR = REPO_ROOT / "baseline"
