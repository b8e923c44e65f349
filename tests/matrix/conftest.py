"""The real matrix of this repository: the catalog, the running pack's policies and the tests on disk."""
import pytest

from regzone.catalog import load_catalog
from regzone.matrix.model import build_matrix, pack_policy_names


@pytest.fixture(scope="session")
def real_matrix():
    catalog = load_catalog()
    return catalog, build_matrix(catalog, pack_policy_names())
