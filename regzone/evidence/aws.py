"""boto3 clients for the evidence collector: retries, API-call counting, and fail-closed calls.

Every call goes through `Aws.call` / `Aws.paginate`. Whatever goes wrong -- AccessDenied,
throttling that outlasts the retries, an endpoint that does not implement the API (moto raises
`NotImplementedError` in-process, HTTP 500 or an unparseable body in server mode, 404 for EKS) --
comes back as an `ApiError` naming the API and the IAM permission, which checks turn into ERROR.
Only error codes a caller lists as `absent` (e.g. "no policy attached") count as an answer.
"""
from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError, ConnectTimeoutError,
                                 EndpointConnectionError, NoCredentialsError, ReadTimeoutError)

from regzone.evidence.model import ApiError, ScanError

# IAM actions whose names differ from the API operation they authorise.
_PERMISSIONS = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketPolicy": "s3:GetBucketPolicy",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    # HeadObject is authorized as GetObject; its Object Lock fields need GetObjectRetention too
    # (Amazon S3 API reference, HeadObject), which deployment_record_verified holds.
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
}
_IAM_PREFIX = {"s3control": "s3", "accessanalyzer": "access-analyzer"}
_ACCOUNT_HOST_PREFIX = re.compile(r"^\d{12}\.")
_MAX_REASON = 300
# The first call only asks who we are: an endpoint that does not answer it within seconds will not
# answer the scan either. Two attempts, so a single dropped connection does not end the run.
PROBE_CONNECT_TIMEOUT = 5
PROBE_READ_TIMEOUT = 5
_PROBE_ATTEMPTS = 2


def permission_for(service: str, api_name: str) -> str:
    """The IAM action that allows `service`'s operation `api_name` (e.g. s3 ListBuckets)."""
    return _PERMISSIONS.get(f"{service}:{api_name}", f"{_IAM_PREFIX.get(service, service)}:{api_name}")


def _reason(error: BaseException) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        text = f"{err.get('Code', 'Unknown')} (HTTP {status}): {err.get('Message', '')}".rstrip(": ")
    elif isinstance(error, NotImplementedError):
        text = f"not implemented by the endpoint: {error}".rstrip(": ")
    else:
        text = f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + "..."


def strip_account_host_prefix(request, **_: Any) -> None:
    """S3 Control prefixes the account id to the host; a custom endpoint (moto, a proxy) has no such name."""
    parts = urlsplit(request.url)
    host = parts.netloc
    if _ACCOUNT_HOST_PREFIX.match(host) and not parts.hostname.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        request.url = urlunsplit(parts._replace(netloc=_ACCOUNT_HOST_PREFIX.sub("", host, count=1)))


class Aws:
    """Thread-safe client cache over one boto3 session, counting every operation and HTTP request."""

    def __init__(self, session: boto3.Session | None = None, *, retry_mode: str = "adaptive",
                 max_attempts: int = 5, max_workers: int = 16):
        self.session = session or boto3.Session()
        self._config = Config(retries={"mode": retry_mode, "max_attempts": max_attempts},
                              max_pool_connections=max_workers, connect_timeout=10, read_timeout=60,
                              user_agent_extra="regzone-evidence")
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.api_calls = 0
        self.http_requests = 0

    def _count_call(self, **_: Any) -> None:
        with self._lock:
            self.api_calls += 1

    def _count_request(self, **_: Any) -> None:
        with self._lock:
            self.http_requests += 1

    def client(self, service: str, region: str):
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self.session.client(service, region_name=region, config=self._config)
                client.meta.events.register("before-call", self._count_call)
                client.meta.events.register("before-send", self._count_request)
                if service == "s3control":
                    client.meta.events.register_first("before-send.s3-control", strip_account_host_prefix)
                self._clients[(service, region)] = client
        return client

    def _api(self, client, operation: str) -> tuple[str, str]:
        name = client.meta.method_to_api_mapping.get(operation, operation)
        service = client.meta.service_model.service_name
        return f"{service}:{name}", permission_for(service, name)

    def call(self, service: str, region: str, operation: str, *, absent: dict[str, Any] | None = None,
             **params: Any) -> Any:
        """One API call; `absent` maps error codes that mean "not configured" to the value to return."""
        client = self.client(service, region)
        try:
            return getattr(client, operation)(**params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if absent is not None and code in absent:
                return absent[code]
            raise ApiError(*self._api(client, operation), _reason(error)) from error
        except Exception as error:  # NotImplementedError, ResponseParserError, connection errors: fail closed
            raise ApiError(*self._api(client, operation), _reason(error)) from error

    def paginate(self, service: str, region: str, operation: str, key: str, **params: Any) -> list[Any]:
        """Every item under `key` across all pages of a list/describe operation."""
        client = self.client(service, region)
        try:
            if not client.can_paginate(operation):
                return list(getattr(client, operation)(**params).get(key, []))
            items: list[Any] = []
            for page in client.get_paginator(operation).paginate(**params):
                items.extend(page.get(key, []))
            return items
        except Exception as error:
            raise ApiError(*self._api(client, operation), _reason(error)) from error


def identify(session: boto3.Session, region: str) -> dict[str, Any]:
    """`sts:GetCallerIdentity` (which needs no IAM permission), failing within seconds with a message
    that says what is wrong: no credentials, credentials refused, an endpoint that cannot be reached
    or one that accepts connections and never answers."""
    config = Config(connect_timeout=PROBE_CONNECT_TIMEOUT, read_timeout=PROBE_READ_TIMEOUT,
                    retries={"mode": "standard", "total_max_attempts": _PROBE_ATTEMPTS},
                    user_agent_extra="regzone-evidence")
    try:
        client = session.client("sts", region_name=region, config=config)
    except BotoCoreError as error:
        raise ScanError(f"cannot create an AWS client: {error}") from error
    endpoint = client.meta.endpoint_url
    try:
        return client.get_caller_identity()
    except NoCredentialsError as error:
        raise ScanError("no AWS credentials found (environment variables, AWS_PROFILE or a profile in ~/.aws, "
                        "SSO, or an instance or container role): configure credentials and run again") from error
    except ClientError as error:
        raise ScanError(f"the credentials were refused by {endpoint}: {_reason(error)}") from error
    except (ReadTimeoutError, ConnectionClosedError) as error:
        raise ScanError(f"the endpoint {endpoint} accepted the connection but did not answer within "
                        f"{PROBE_READ_TIMEOUT}s ({_PROBE_ATTEMPTS} attempts): is AWS_ENDPOINT_URL an AWS API "
                        "endpoint, and is it up?") from error
    except ConnectTimeoutError as error:
        raise ScanError(f"cannot connect to the endpoint {endpoint} within {PROBE_CONNECT_TIMEOUT}s: check the "
                        "network, a proxy, or AWS_ENDPOINT_URL") from error
    except EndpointConnectionError as error:
        cause = error.kwargs.get("error")
        refused = "refused" in str(cause).lower()
        raise ScanError(f"cannot connect to the endpoint {endpoint}: "
                        + ("connection refused: nothing listens there; check AWS_ENDPOINT_URL or start the endpoint"
                           if refused else f"{cause or error}; check the network, DNS, or AWS_ENDPOINT_URL")) from error
    except BotoCoreError as error:   # credential providers (SSO token expired, a broken profile, ...)
        raise ScanError(f"cannot call {endpoint}: {error}") from error
