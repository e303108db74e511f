"""One translator for every botocore error: by error code (and HTTP status), never message text."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from model_steward.adapters.errors import cause_of, translate
from model_steward.errors import (
    ConditionFailed,
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StewardError,
    TransientError,
)


def client_error(code: str, status: int = 400, message: str = "m") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        # throttling and the services' own trouble, whatever the service
        ("ThrottlingException", 400, TransientError),
        ("Throttled", 400, TransientError),
        ("ProvisionedThroughputExceededException", 400, TransientError),
        ("TransactionConflictException", 400, TransientError),
        ("SlowDown", 503, TransientError),
        ("InternalServerException", 500, TransientError),
        ("SomethingNew", 502, TransientError),
        ("TooManyRequestsException", 429, TransientError),
        ("KMSThrottlingException", 400, TransientError),
        ("KMS.ThrottlingException", 400, TransientError),
        # permissions and keys: a person must fix the deployment, from every service alike
        ("AccessDenied", 403, ConfigurationError),
        ("AccessDeniedException", 400, ConfigurationError),
        ("AuthorizationError", 403, ConfigurationError),
        ("KMSAccessDeniedException", 400, ConfigurationError),
        ("KMS.AccessDeniedException", 400, ConfigurationError),
        ("KMSDisabled", 400, ConfigurationError),
        ("DecryptionFailure", 400, ConfigurationError),
        ("403", 403, ConfigurationError),
        # not found
        ("ResourceNotFoundException", 400, NotFoundError),
        ("NoSuchKey", 404, NotFoundError),
        ("ParameterNotFound", 400, NotFoundError),
        ("404", 404, NotFoundError),
        # conflicts and conditions
        ("ConflictException", 409, ConflictError),
        ("PreconditionFailed", 412, ConflictError),
        ("ConditionalCheckFailedException", 400, ConditionFailed),
        # refused as malformed
        ("ValidationException", 400, InvalidInputError),
        ("InvalidParameterValue", 400, InvalidInputError),
        # anything else
        ("InvalidArgument", 400, StewardError),
    ],
)
def test_an_error_is_classified_by_its_code(code: str, status: int, kind: type[StewardError]) -> None:
    assert type(translate(client_error(code, status), "Op")) is kind


def test_the_message_text_never_decides() -> None:
    misleading = client_error("ValidationError", 400, "Stack with id x does not exist; AccessDenied")

    assert type(translate(misleading, "DescribeStacks x")) is InvalidInputError


def test_a_caller_gives_one_code_its_meaning_for_one_operation() -> None:
    stack_missing = client_error("ValidationError", 400, "Stack with id x does not exist")

    assert type(translate(stack_missing, "DescribeStacks", overrides={"ValidationError": NotFoundError})) is (
        NotFoundError
    )


def test_the_error_names_what_was_done_the_code_and_the_message() -> None:
    error = translate(client_error("ThrottlingException", message="Rate exceeded"), "ListModels")

    assert str(error) == "ListModels: ThrottlingException: Rate exceeded"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (EndpointConnectionError(endpoint_url="https://x"), TransientError),
        (ReadTimeoutError(endpoint_url="https://x"), TransientError),
        (NoCredentialsError(), ConfigurationError),
        (ParamValidationError(report="bad"), InvalidInputError),
    ],
)
def test_sdk_errors_without_a_response_are_classified_by_type(
    exc: Exception, kind: type[StewardError]
) -> None:
    assert type(translate(exc, "Op")) is kind  # type: ignore[arg-type]


def wrapped(original: ClientError) -> RuntimeError:
    try:
        try:
            raise original
        except ClientError as exc:
            raise RuntimeError(str(exc))  # noqa: B904 - as Powertools' GetParameterError is raised
    except RuntimeError as wrapper:
        return wrapper


def test_the_sdk_error_behind_a_wrapper_is_found() -> None:
    original = client_error("ParameterNotFound")

    assert cause_of(wrapped(original)) is original
    assert cause_of(RuntimeError("no cause")) is None
