"""Powertools parameter providers, one per boto3 client, so their cache lives as long as the
client: a warm Lambda keeps it; a new client (tests resetting the endpoints) gets a fresh one."""

from __future__ import annotations

import threading
from typing import Any, TypeVar

ProviderT = TypeVar("ProviderT")

_lock = threading.Lock()
_providers: dict[type[Any], tuple[object, Any]] = {}


def provider_for(client: object, kind: type[ProviderT]) -> ProviderT:
    """The ``kind`` provider (SSMProvider, SecretsProvider) of ``client``."""
    with _lock:
        held = _providers.get(kind)
        if held is None or held[0] is not client:
            held = (client, kind(boto3_client=client))  # type: ignore[call-arg]
            _providers[kind] = held
        provider: ProviderT = held[1]
        return provider


def clear() -> None:
    with _lock:
        for _, provider in _providers.values():
            provider.clear_cache()
        _providers.clear()
