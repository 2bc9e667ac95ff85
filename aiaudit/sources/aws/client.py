"""boto3 clients, what the installed botocore model supports, and AWS errors as aiaudit errors.

Why one place: every call site must turn the same AWS faults into the same actionable errors — an
expired token or AccessDenied names what to fix (``SourceError.permission = "logs:StartQuery"``), a
compile error keeps its character offset, and throttling is retried with jitter before giving up.
``AWS_ENDPOINT_URL`` (the emulator, moto) is honoured by boto3 itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiaudit.core.errors import InputError, QuerySyntaxError, SourceError

T = TypeVar("T")

#: Error codes that mean "slow down / try again" (LimitExceeded is the concurrency quota).
RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "LimitExceededException",
        "ServiceUnavailableException",
        "RequestLimitExceeded",
        "SlowDown",  # S3's throttling answer (503)
    }
)
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation"})
CREDENTIALS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "RequestExpired",
    }
)
#: IAM action prefix per boto3 service name (they differ for a few services).
IAM_PREFIX = {"logs": "logs", "bedrock": "bedrock", "sts": "sts", "s3": "s3"}
#: Operations whose IAM action is not ``<prefix>:<operation>`` (S3 lists with s3:ListBucket).
IAM_ACTIONS = {("s3", "ListObjectsV2"): "s3:ListBucket", ("s3", "HeadObject"): "s3:GetObject"}


class Cancelled(Exception):
    """Raised inside workers when the caller was interrupted; never escapes the runner."""


def make_session(profile: str | None) -> Any:
    """A boto3 session for a named profile or the default credential chain."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except ProfileNotFound:
        raise SourceError(
            f"AWS profile {profile!r} not found in ~/.aws/config or ~/.aws/credentials "
            "(run `aws configure --profile NAME` or use aws:@REGION for the default chain)"
        ) from None


def make_client(session: Any, service: str, region: str, *, pool: int = 10, attempts: int = 3) -> Any:
    from botocore.config import Config as BotoConfig

    config = BotoConfig(
        retries={"mode": "standard", "max_attempts": attempts},
        user_agent_extra="aiaudit",
        max_pool_connections=max(pool, 10),
    )
    return session.client(service, region_name=region, config=config)


@dataclass(frozen=True)
class Capabilities:
    """What the installed botocore model of ``logs`` accepts (older releases reject newer parameters
    client-side, so we look before sending)."""

    query_language: bool
    paging: bool  # GetQueryResults nextToken + maxItems
    max_limit: int  # StartQuery limit maximum (10,000 on old models, 100,000 on new)

    @classmethod
    def of(cls, client: Any) -> Capabilities:
        model = client.meta.service_model
        start = model.operation_model("StartQuery").input_shape.members
        get = model.operation_model("GetQueryResults").input_shape.members
        limit = start.get("limit")
        max_limit = int(limit.metadata.get("max", 10_000)) if limit is not None else 10_000
        return cls(
            query_language="queryLanguage" in start,
            paging="nextToken" in get and "maxItems" in get,
            max_limit=max_limit,
        )


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "") or None
    return None


def translate(
    exc: BaseException, *, service: str = "logs", operation: str | None = None, query: str | None = None
) -> Exception:
    """An AWS/botocore exception as the aiaudit error a user can act on (returned, not raised)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ParamValidationError,
        PartialCredentialsError,
        TokenRetrievalError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return SourceError(
            "no AWS credentials found (set a profile with aws:PROFILE@REGION, AWS_PROFILE, or run `aws sso login`)"
        )
    if isinstance(exc, TokenRetrievalError):
        return SourceError(f"AWS SSO token could not be refreshed ({exc}); run `aws sso login`")
    if isinstance(exc, NoRegionError):
        return SourceError("no AWS region: name one in the spec (aws:PROFILE@us-east-1)")
    if isinstance(exc, ParamValidationError):  # botocore refused a value before sending (a name, a size)
        return InputError(f"invalid parameter for {operation or 'the request'}: {exc}", where=operation or "request")
    if isinstance(exc, EndpointConnectionError):
        return SourceError(f"cannot reach the AWS endpoint: {exc}")
    if not isinstance(exc, ClientError):
        return exc if isinstance(exc, Exception) else RuntimeError(str(exc))
    code = error_code(exc) or ""
    message = exc.response.get("Error", {}).get("Message", "") or str(exc)
    op = operation or getattr(exc, "operation_name", None) or "?"
    if code in DENIED:
        permission = IAM_ACTIONS.get((service, op)) or f"{IAM_PREFIX.get(service, service)}:{op}"
        return SourceError(f"access denied: the caller needs {permission} ({message})", permission=permission)
    if code in CREDENTIALS:
        return SourceError(f"AWS credentials rejected ({code}: {message}); refresh them (e.g. `aws sso login`)")
    if code == "MalformedQueryException":
        location = (exc.response.get("queryCompileError") or {}).get("location") or {}
        offset = location.get("startCharOffset")
        detail = (exc.response.get("queryCompileError") or {}).get("message") or message
        return QuerySyntaxError(f"AWS rejected the query: {detail}", offset=offset, query=query)
    if code == "ResourceNotFoundException":
        return SourceError(f"not found ({op}): {message}")
    if code in ("InvalidParameterException", "ValidationException"):
        return InputError(f"AWS rejected a parameter of {op}: {message}", where=op)
    if code in RETRYABLE:
        return SourceError(f"AWS kept throttling {op} after our retries ({code}: {message})")
    return SourceError(f"{op} failed: {code}: {message}")


def call(
    fn: Callable[..., T],
    *,
    retries: int,
    base: float,
    ceiling: float,
    sleep: Callable[[float], None] = time.sleep,
    cancel: threading.Event | None = None,
    service: str = "logs",
    query: str | None = None,
    **kwargs: Any,
) -> T:
    """Call a boto3 method, retrying throttling with full-jitter exponential backoff, translating
    every other fault."""
    attempt = 0
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            return fn(**kwargs)
        except Exception as exc:
            if error_code(exc) in RETRYABLE and attempt < retries:
                delay = random.uniform(0, min(ceiling, base * (2**attempt)))  # noqa: S311 - jitter, not crypto
                attempt += 1
                sleep(delay)
                continue
            operation = getattr(exc, "operation_name", None)
            raise translate(exc, service=service, operation=operation, query=query) from exc
