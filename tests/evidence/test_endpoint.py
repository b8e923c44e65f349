"""The first call tells what is wrong, within seconds: an endpoint that accepts connections and never
answers, a refused connection, no credentials. None of them is blamed on an IAM permission."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from regzone.cli import main
from regzone.evidence.aws import PROBE_CONNECT_TIMEOUT, PROBE_READ_TIMEOUT

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL")


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """No real profile, config, credentials file or instance role can be found."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return monkeypatch


def _with_credentials(monkeypatch, endpoint: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # nosec B105 - a dummy for a local socket
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def refused_endpoint() -> str:
    """A port nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _evidence(capsys) -> tuple[int, str, float]:
    began = time.monotonic()
    code = main(["evidence", "--region", "us-east-1", "--check", "kms_key_rotation_enabled"])
    return code, capsys.readouterr().err, time.monotonic() - began


def test_an_endpoint_that_never_answers_fails_within_seconds(environment, silent_endpoint, capsys):
    _with_credentials(environment, silent_endpoint)
    code, err, seconds = _evidence(capsys)
    assert code == 2
    assert silent_endpoint in err and "did not answer" in err and "IAM permission" not in err
    assert seconds < 2 * (PROBE_CONNECT_TIMEOUT + PROBE_READ_TIMEOUT) + 5, f"took {seconds:.0f}s"


def test_a_refused_connection_says_so(environment, refused_endpoint, capsys):
    _with_credentials(environment, refused_endpoint)
    code, err, seconds = _evidence(capsys)
    assert code == 2 and refused_endpoint in err and "connection refused" in err and "IAM permission" not in err
    assert seconds < 10


def test_no_credentials_says_so(environment, refused_endpoint, capsys):
    environment.setenv("AWS_ENDPOINT_URL", refused_endpoint)   # never reached: credentials are missing first
    code, err, _ = _evidence(capsys)
    assert code == 2 and "no AWS credentials found" in err and "IAM permission" not in err


def test_a_profile_that_does_not_exist_is_a_usage_error(environment, capsys):
    environment.setenv("AWS_PROFILE", "no-such-profile")
    assert main(["evidence", "--region", "us-east-1"]) == 2
    assert "no-such-profile" in capsys.readouterr().err
