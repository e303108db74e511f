"""``LookoutEmulator``: the emulated service on a loopback port plus its scenario API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulators.common.auth import Authoriser
from emulators.common.emulator import ServedEmulator
from emulators.lookout.protocol import ServiceError
from emulators.lookout.server import LookoutHandler
from emulators.lookout.service import LookoutService
from emulators.lookout.state import Accounts, LookoutState

if TYPE_CHECKING:
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient


class LookoutEmulator(ServedEmulator, LookoutState):
    """A stateful Lookout for Equipment endpoint for an unmodified boto3 client.

    ``with LookoutEmulator() as emu:`` serves on ``emu.endpoint_url`` (``127.0.0.1`` and a free
    port by default) until the block ends. All scenario methods of :class:`LookoutState` are
    available on the emulator (``seed_model``, ``add_version``, ``start_retraining`` ...).
    ``authoriser`` (settable while serving) verifies each request's signature, tells which account
    the caller acts in and authorises it; without one every request is accepted, as this account.

    The endpoint URL also goes in ``AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT``.

    Several accounts: the emulator itself is ``account_id``'s state; :meth:`account` is another
    account's (same region, clock and lock), where a scenario seeds that account's models. A
    request is answered from the state of its caller's account.
    """

    handler = LookoutHandler
    thread_name = "lookout-emulator"
    service: LookoutService

    def __init__(
        self,
        region: str = "eu-west-1",
        account_id: str = "123456789012",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        complete_imports_immediately: bool = False,
        authoriser: Authoriser | None = None,
    ) -> None:
        super().__init__(
            region, account_id, clock=clock, complete_imports_immediately=complete_imports_immediately
        )
        self.accounts = Accounts(self, lambda account_id: LookoutAccount(self, account_id))
        self.service = LookoutService(self, authoriser=authoriser, accounts=self.accounts)
        self._serve_at(host, port)

    def client(self, **kwargs: Any) -> LookoutEquipmentClient:
        """A boto3 ``lookoutequipment`` client for this emulator (dummy credentials, this region)."""
        import boto3

        return boto3.client("lookoutequipment", **self.client_settings(**kwargs))

    def account(self, account_id: str) -> LookoutAccount | LookoutEmulator:
        """Another account's state (created empty on first use): seed its models there."""
        state = self.accounts.account(account_id)
        assert isinstance(state, LookoutAccount | LookoutEmulator)
        return state

    # ---------------------------------------------------------------- accessors

    def describe(self, model_name: str, *, account_id: str | None = None) -> dict[str, Any]:
        """What DescribeModel would answer now (datetimes as ``datetime``, absent members omitted)."""
        return self._answer(self.service.describe_model, {"ModelName": model_name}, account_id)

    def describe_version(
        self, model_name: str, version: int, *, account_id: str | None = None
    ) -> dict[str, Any]:
        """What DescribeModelVersion would answer now (as :meth:`describe`)."""
        return self._answer(
            self.service.describe_model_version,
            {"ModelName": model_name, "ModelVersion": version},
            account_id,
        )

    def _answer(
        self,
        operation: Callable[[dict[str, Any]], dict[str, Any]],
        params: dict[str, Any],
        account_id: str | None,
    ) -> dict[str, Any]:
        state = self.accounts.account(account_id) if account_id else self
        with self.lock, self.service.acting_in(state):
            state.settle_imports()
            try:
                response = operation(params)
            except ServiceError as error:
                raise KeyError(error.message) from None
        return {name: value for name, value in response.items() if value is not None}


class LookoutAccount(LookoutState):
    """Another account of a running emulator: its state, and the emulator's accessors acting in it."""

    def __init__(self, emulator: LookoutEmulator, account_id: str) -> None:
        super().__init__(
            emulator.region,
            account_id,
            clock=emulator.now,
            complete_imports_immediately=emulator.complete_imports_immediately,
            lock=emulator.lock,
        )
        self.emulator = emulator

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    def describe(self, model_name: str) -> dict[str, Any]:
        return self.emulator.describe(model_name, account_id=self.account_id)

    def describe_version(self, model_name: str, version: int) -> dict[str, Any]:
        return self.emulator.describe_version(model_name, version, account_id=self.account_id)
