"""AWS IAM, as much as an import needs (``ports.RoleDirectory``): does a role exist."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.errors import ConfigurationError, NotFoundError


class IamRoles:
    def role_exists(self, role_arn: str) -> bool | None:
        """GetRole by the ARN's role name; None when this caller may not look (AccessDenied)."""
        name = role_arn.rsplit("/", 1)[-1]
        try:
            aws.iam().get_role(RoleName=name)
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, f"GetRole {name}", overrides={"NoSuchEntity": NotFoundError})
            if isinstance(error, NotFoundError):
                return False
            if isinstance(error, ConfigurationError):
                return None
            raise error from exc
        return True
