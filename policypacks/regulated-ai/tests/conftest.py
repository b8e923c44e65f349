"""One real pack process per test session, driven over gRPC like `pulumi preview` drives it."""
import pytest

from regzone.paths import POLICY_PACK_DIR
from regzone.preview.analyzer import PolicyPackClient


@pytest.fixture(scope="session")
def pack():
    with PolicyPackClient(POLICY_PACK_DIR, project="regzone", stack="test") as client:
        _, policies = client.info()
        client.configure(policies)
        yield client
