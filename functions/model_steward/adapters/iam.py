"""AWS IAM, as much as an import needs (``ports.RoleDirectory``): does a role exist."""

from __future__ import annotations

from model_steward.adapters import aws
from model_steward.adapters.errors import call
from model_steward.errors import ConfigurationError, NotFoundError


class IamRoles:
    def role_exists(self, role_arn: str) -> bool | None:
        """GetRole by the ARN's role name; None when this caller may not look (AccessDenied)."""
        name = role_arn.rsplit("/", 1)[-1]
        try:
            call(
                aws.iam(),
                "get_role",
                f"GetRole {name}",
                overrides={"NoSuchEntity": NotFoundError},
                RoleName=name,
            )
        except NotFoundError:
            return False
        except ConfigurationError:
            return None
        return True
