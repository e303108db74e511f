"""What an emulator's authoriser sees of a request and says of its caller (the local stack gives
one backed by moto's IAM: :mod:`emulators.iam`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SignedRequest:
    """What an authoriser needs of an HTTP request: method, path, headers (SigV4), raw body."""

    method: str
    path: str
    headers: Any  # a case-insensitive mapping (http.server's message, werkzeug's Headers...)
    body: bytes


@dataclass(frozen=True)
class Identity:
    """Who sent a request: the account it acts in, its ARN (a user, or an assumed-role session) and
    ``aws:PrincipalArn`` (the session's role, else the user)."""

    account_id: str
    arn: str
    principal_arn: str

    @classmethod
    def root(cls, account_id: str) -> Identity:
        arn = f"arn:aws:iam::{account_id}:root"
        return cls(account_id, arn, arn)


class Authoriser(Protocol):
    def identify(self, request: SignedRequest) -> Identity:
        """The caller, from the request's credentials (signature verified), else ServiceError."""

    def authorise(self, identity: Identity, action: str, resources: Sequence[str]) -> None:
        """Return if the caller may perform ``action`` on every resource, else raise ServiceError."""

    def pass_role(self, identity: Identity, role_arn: str) -> None:
        """Return if the caller may pass the role to the service and the role exists, else raise
        ServiceError (AccessDeniedException, ValidationException)."""
