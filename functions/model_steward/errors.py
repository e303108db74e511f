"""Domain errors. Adapters translate botocore's ClientError into these (``raise ... from exc``)."""


class StewardError(Exception):
    """Base class for every error Model Steward raises on purpose."""


class ConfigurationError(StewardError):
    """The deployment's configuration (environment, parameters, policy document) is invalid."""


class NotFoundError(StewardError):
    """A model, version or object named in a request does not exist."""


class TransientError(StewardError):
    """A dependency failed in a way that a later retry may fix (throttling, 5xx)."""


class ConflictError(StewardError):
    """The request conflicts with the current state of the resource."""


class InvalidInputError(StewardError):
    """Input data (an event, a metrics document, a diagnostics file) is malformed."""
