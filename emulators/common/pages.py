"""Keyset pagination, as both emulators page their listings: a page of items sorted by a key, and
a token for the position after its last item (each service issues and checks its own tokens)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

Item = TypeVar("Item")


class PageTokens(Protocol):
    """A service's tokens: ``issue`` one for a position, ``position`` reads it back (or refuses it
    with the service's own error)."""

    def issue(self, operation: str, filters: Mapping[str, Any], position: str) -> str: ...

    def position(self, operation: str, filters: Mapping[str, Any], token: str) -> str: ...


@dataclass(frozen=True)
class Paging:
    """A service's paging parameters: the names of its token and page-size members, its default
    page size."""

    token: str
    size: str
    default_size: int

    def page(
        self,
        tokens: PageTokens,
        operation: str,
        params: Mapping[str, Any],
        items: Sequence[Item],
        key: Callable[[Item], str],
        *,
        descending: bool = False,
    ) -> tuple[list[Item], str | None]:
        """One page of ``items`` (already filtered and sorted by ``key``) and the next token. A
        token is bound to the operation and to the request's other parameters (its filters)."""
        filters = {name: value for name, value in params.items() if name not in (self.token, self.size)}
        remaining = list(items)
        if self.token in params:
            after = tokens.position(operation, filters, params[self.token])
            remaining = [
                item for item in remaining if (key(item) < after if descending else key(item) > after)
            ]
        size = params.get(self.size, self.default_size)
        page = remaining[:size]
        token = tokens.issue(operation, filters, key(page[-1])) if len(remaining) > size else None
        return page, token
