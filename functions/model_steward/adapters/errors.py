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

from collections.abc import Mapping

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
