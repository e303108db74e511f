"""The one translator from botocore's errors to the domain's, by error code and HTTP status.

Every adapter raises ``translate(exc, what)`` from the botocore error it caught. The error's
*code* decides (``Error.Code`` in the response, then the HTTP status), never its message text:

- throttling, 5xx, 429 and network failures: :class:`TransientError` (botocore's retry mode has
  already retried them; the caller's own retry, or Lambda's, may still succeed);
- ``AccessDenied*``, authorization and KMS key problems, 403, missing credentials or region:
  :class:`ConfigurationError`, from every service alike (the role or the key policy is wrong);
- not found (404 and the services' own codes): :class:`NotFoundError`;
- conflicts and failed preconditions (409, 412): :class:`ConflictError`, and DynamoDB's failed
  conditional check: :class:`ConditionFailed`;
- validation (the request was refused as malformed): :class:`InvalidInputError`;
- anything else: :class:`StewardError`.

``overrides`` lets a caller give one code its meaning for one operation (CloudFormation answers
``ValidationError`` for a stack that does not exist; an UpdateActiveModelVersion conflict is an
:class:`ActivationConflict`).

References: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (which
codes the SDKs treat as transient) and each service's API reference, section "Errors".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)

from model_steward.errors import (
    ConditionFailed,
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StewardError,
    TransientError,
)

TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "Throttled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "TransactionConflictException",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "RequestTimeTooSkewed",
        "PriorRequestNotComplete",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "KMSThrottling",
        "KMSThrottlingException",
        "KMS.ThrottlingException",
    }
)
CONFIGURATION_CODES = frozenset(
    {
        "AuthorizationError",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSecurity",
        "DecryptionFailure",
    }
)
# Every service names the KMS key problems of its data its own way (SNS "KMSAccessDenied", SQS and
# Lambda "KMSAccessDeniedException", S3 "KMS.DisabledException"...): all but throttling (above) mean
# the key or its policy is wrong.
_KMS_PREFIXES = ("KMS", "Kms")
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "NotFound",
        "NotFoundException",
        "NoSuchKey",
        "NoSuchBucket",
        "NoSuchVersion",
        "ParameterNotFound",
        "ParameterVersionNotFound",
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
    }
)
CONFLICT_CODES = frozenset({"ConflictException", "PreconditionFailed", "ResourceInUseException"})
VALIDATION_CODES = frozenset(
    {
        "ValidationException",
        "ValidationError",
        "InvalidParameter",
        "InvalidParameterValue",
        "InvalidParameterException",
        "InvalidRequestException",
        "SerializationException",
    }
)
_BY_STATUS: Mapping[int, type[StewardError]] = {
    403: ConfigurationError,
    404: NotFoundError,
    409: ConflictError,
    412: ConflictError,
    429: TransientError,
}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status if isinstance(status, int) else 0


def kind_of(code: str, status: int = 0) -> type[StewardError]:
    """The domain error class for an error code (and the response's HTTP status)."""
    if code == "ConditionalCheckFailedException":
        return ConditionFailed
    if code in TRANSIENT_CODES or status >= 500:
        return TransientError
    if code.startswith(("AccessDenied", *_KMS_PREFIXES)) or code in CONFIGURATION_CODES:
        return ConfigurationError
    if code in NOT_FOUND_CODES:
        return NotFoundError
    if code in CONFLICT_CODES:
        return ConflictError
    if code in VALIDATION_CODES:
        return InvalidInputError
    if code.isdigit():  # S3 answers HEAD requests with the status as the code
        status = status or int(code)
    return _BY_STATUS.get(status, StewardError)


def translate(
    exc: ClientError | BotoCoreError,
    what: str,
    *,
    overrides: Mapping[str, type[StewardError]] | None = None,
) -> StewardError:
    """The domain error a caller can act on, for a botocore error raised while doing ``what``."""
    if isinstance(exc, NoRegionError):
        return ConfigurationError(
            f"{what}: no AWS region is configured (set AWS_DEFAULT_REGION, or a region in the AWS profile)"
        )
    if isinstance(exc, NoCredentialsError):
        return ConfigurationError(
            f"{what}: no AWS credentials found (environment variables, profile, SSO or instance role)"
        )
    if isinstance(exc, PartialCredentialsError | ProfileNotFound | CredentialRetrievalError):
        return ConfigurationError(f"{what}: {_one_line(exc)}")
    if isinstance(exc, ParamValidationError):
        return InvalidInputError(f"{what}: {_one_line(exc)}")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return TransientError(f"{what}: {_one_line(exc)} (is the endpoint reachable?)")
    if isinstance(exc, BotoCoreError):  # timeouts, a closed connection, a bad response
        return TransientError(f"{what}: {_one_line(exc)}")
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", ""))
    text = f"{what}: {code}: {' '.join(message.split())}".rstrip(": ")
    kind = (overrides or {}).get(code) or kind_of(code, _status(exc))
    return kind(text)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def cause_of(exc: BaseException) -> ClientError | BotoCoreError | None:
    """The botocore error behind a wrapper (Powertools' parameters raise ``GetParameterError``
    from within their ``except``, so the SDK's error is its context)."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None and not isinstance(seen, ClientError | BotoCoreError):
        seen = seen.__cause__ or seen.__context__
    return seen


class SdkAdapter:
    """Base of the adapters that call one AWS service: :meth:`_call` and :meth:`_pages` turn
    botocore's errors into domain errors. Subclasses give ``client`` and, for List calls botocore
    has no paginator for, the page-size parameter and the token's name."""

    PAGE_SIZE: ClassVar[tuple[str, int]] = ("MaxResults", 100)
    NEXT_TOKEN: ClassVar[str] = "NextToken"  # noqa: S105 - a parameter name, not a secret

    @property
    def client(self) -> Any:
        raise NotImplementedError

    def _call(
        self,
        operation: str,
        what: str,
        *,
        overrides: Mapping[str, type[StewardError]] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        return call(self.client, operation, what, overrides=overrides, **params)

    def _pages(self, operation: str, what: str, items: str, **params: Any) -> Iterator[dict[str, Any]]:
        return pages(
            self.client,
            operation,
            what,
            items,
            page_size=self.PAGE_SIZE,
            next_token=self.NEXT_TOKEN,
            **params,
        )


def call(
    client: Any,
    operation: str,
    what: str,
    *,
    overrides: Mapping[str, type[StewardError]] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """One SDK call (``client.<operation>(**params)``); botocore's errors become domain errors named
    after ``what`` (see :func:`translate`)."""
    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, what, overrides=overrides) from exc
    return response


def pages(
    client: Any,
    operation: str,
    what: str,
    items: str,
    *,
    page_size: tuple[str, int],
    next_token: str,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated List call that botocore has no paginator for: ``items`` of each
    page, following ``next_token`` (``NextToken`` or ``nextToken``); ``page_size`` is the parameter that
    asks for the largest page and its value."""
    params[page_size[0]] = page_size[1]
    while True:
        page = call(client, operation, what, **params)
        yield from page.get(items, [])
        token = page.get(next_token)
        if not token:
            return
        params[next_token] = token
