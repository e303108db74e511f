"""Domain errors. Adapters translate botocore's errors into these (``adapters.errors.translate``)."""


class StewardError(Exception):
    """Base class for every error Model Steward raises on purpose."""


class ConfigurationError(StewardError):
    """The deployment's configuration (environment, parameters, permissions, policy document) is
    invalid: a retry will not help, a person must."""


class NotFoundError(StewardError):
    """A model, version or object named in a request does not exist."""


class TransientError(StewardError):
    """A dependency failed in a way that a later retry may fix (throttling, 5xx, the network)."""


class OutOfTime(TransientError):
    """Not started: the invocation has not enough time left to finish it (a later invocation will)."""


class ConflictError(StewardError):
    """The request conflicts with the current state of the resource."""


class ConditionFailed(ConflictError):
    """A conditional write found the item in another state (a duplicate or a concurrent actor)."""


class InvalidInputError(StewardError):
    """Input data (an event, a metrics document, a diagnostics file, a request) is malformed."""


class ActivationConflict(ConflictError):
    """The registry cannot activate a version now (the model is busy training or importing, or
    changed meanwhile): a later attempt may succeed."""


class ActivationRefused(InvalidInputError):
    """The registry refuses to activate this version; the message carries the service's reason."""


class SlackPostError(TransientError):
    """Slack could not be reached, or kept failing, through every retry."""
