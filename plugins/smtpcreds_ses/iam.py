"""The IAM calls smtpcreds makes, through boto3, with AWS errors mapped onto smtpcreds' tree.

boto3 is imported here only, when the first client is built, so the CLI starts without it.
Two clients share one session: reads and idempotent writes go through botocore's standard
retries, while ``CreateUser`` and ``CreateAccessKey`` are sent once and reconciled by the
caller after an ambiguous failure (a re-sent ``CreateAccessKey`` could mint a key nobody sees).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from smtpcreds.plugin import (
    AuthError,
    ConfigError,
    NotFound,
    ProviderError,
    RateLimited,
    SmtpCredsError,
    TransportError,
    ValidationError,
    register_secret,
)

if TYPE_CHECKING:
    from mypy_boto3_iam.client import IAMClient

log = logging.getLogger("smtpcreds.ses")
T = TypeVar("T")

# docs/reference/ses.md §Errors: IAM error codes and what they mean here
_AUTH = {"AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
         "ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException", "InvalidAccessKeyId",
         "UnauthorizedOperation"}
_NOT_FOUND = {"NoSuchEntity"}
_INVALID = {"ValidationError", "InvalidInput", "MalformedPolicyDocument", "EntityAlreadyExists",
            "LimitExceeded", "DeleteConflict", "InvalidParameterValue"}
_THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}


def iam_clients(*, region: str, endpoint_url: str | None, aws_profile: str | None,
                key_id: str | None, secret: Callable[[], str], timeout: float,
                verify_tls: bool) -> tuple[IAMClient, IAMClient]:
    """``(retrying, send_once)`` IAM clients of one boto3 session."""
    import boto3
    import botocore.config
    from botocore.exceptions import BotoCoreError

    # botocore's parser logs every response body at DEBUG (-vv), CreateAccessKey's secret included,
    # before anyone could register that secret for redaction: keep that logger above DEBUG.
    logging.getLogger("botocore.parsers").setLevel(logging.INFO)
    kwargs: dict[str, Any] = {}
    if key_id is not None:
        value = secret()
        register_secret(value)
        kwargs = {"aws_access_key_id": key_id, "aws_secret_access_key": value}
    try:
        session = boto3.session.Session(profile_name=aws_profile, region_name=region, **kwargs)
    except BotoCoreError as e:
        raise ConfigError(f"ses: AWS configuration: {e}", provider="ses") from None

    def client(attempts: int) -> IAMClient:
        config = botocore.config.Config(
            connect_timeout=timeout, read_timeout=timeout,
            retries={"mode": "standard", "total_max_attempts": attempts},
            user_agent_extra="smtpcreds",
        )
        return session.client("iam", endpoint_url=endpoint_url, verify=verify_tls, config=config)

    return client(4), client(1)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Translate botocore exceptions raised by ``action`` into smtpcreds errors (one line each)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    try:
        yield
    except ClientError as e:
        err = e.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        message = str(err.get("Message", "")) or code
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"ses: {action}: {code}: {message}"
        kw: dict[str, Any] = {"provider": "ses", "status": status, "code": code}
        if code in _NOT_FOUND:
            raise NotFound(text, **kw) from None
        if code in _AUTH:
            raise AuthError(text, **kw) from None
        if code in _THROTTLED:
            raise RateLimited(text, **kw) from None
        if code in _INVALID or (status is not None and 400 <= status < 500):
            raise ValidationError(text, **kw) from None
        raise ProviderError(text, **kw) from None
    except (NoCredentialsError, PartialCredentialsError) as e:
        raise ConfigError(f"ses: no usable AWS credentials ({e}); set aws_profile, the AWS_* environment "
                          "variables or aws_access_key_id", provider="ses") from None
    except ReadTimeoutError as e:
        raise TransportError(f"ses: {action}: {e}", provider="ses", timed_out=True) from None
    except (EndpointConnectionError, ConnectionClosedError) as e:
        raise TransportError(f"ses: {action}: {e}", provider="ses") from None
    except BotoCoreError as e:
        raise TransportError(f"ses: {action}: {type(e).__name__}: {e}", provider="ses") from None


def call(action: str, fn: Callable[..., T], **kwargs: Any) -> T:
    """``fn(**kwargs)`` with errors translated (see :func:`aws_errors`)."""
    with aws_errors(action):
        return fn(**kwargs)


def as_utc(value: Any) -> datetime | None:
    """A botocore timestamp as an aware UTC datetime (a naive one is taken as UTC), or None."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


__all__ = ["SmtpCredsError", "aws_errors", "call", "iam_clients"]
