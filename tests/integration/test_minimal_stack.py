"""With every optional parameter left empty, only the core is deployed."""

from __future__ import annotations

from emulators.stack import LocalStack


def test_a_minimal_stack_has_no_optional_resources() -> None:
    with LocalStack() as stack:
        assert set(stack.functions) == {"WatchFunction", "EvaluateFunction"}
        assert "DiagnosticsBucket" not in stack.resources
        assert "AlertEmailSubscription" not in stack.resource_types
