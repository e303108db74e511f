"""With every optional parameter left empty, only the core is deployed."""

from __future__ import annotations

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin

from emulators.stack import LocalStack


def test_a_minimal_stack_has_no_optional_resources() -> None:
    with LocalStack() as stack:
        assert set(stack.functions) == {"WatchFunction", "EvaluateFunction"}
        assert "DiagnosticsBucket" not in stack.resources
        assert "AlertEmailSubscription" not in stack.resource_types


def test_iam_enforcement_ends_with_the_stack() -> None:
    """moto's in-process mocks elsewhere in the suite must not inherit the stack's IAM checks."""
    original = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_normal_action"]

    with LocalStack() as stack:
        assert settings.INITIAL_NO_AUTH_ACTION_COUNT == 0
        assert stack.lookout.authoriser is not None

    assert float("inf") == settings.INITIAL_NO_AUTH_ACTION_COUNT
    assert ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_normal_action"] is original
    assert stack.lookout.authoriser is None
