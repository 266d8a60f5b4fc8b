"""One registry mechanism for the extension points between apps (the night's steps, page
jobs, customer-page panels, closure blockers, audit actions ...).

A :class:`Registry` holds named entries. An app registers an entry under a name, by a
call (``registry.add(name, entry)``) or, for a function, a decorator
(``@registry.register(name)``); the owner of the extension point reads them back with
:meth:`Registry.entries` (sorted by the registry's ``order`` when it has one, else in the
order of registration), :meth:`Registry.get` and :meth:`Registry.names`.

A name registered twice is refused (two apps claiming one name is a mistake to see at
start-up, not a silent replacement) unless the second entry comes from the same place as
the first, the same module and function, which is what re-importing a module (a reload,
a test importing a hooks module again) does: then the new entry replaces the old one.

Tests add an entry for their duration with :meth:`Registry.temporary` rather than
touching a registry's insides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def _origin(entry: Any) -> tuple[str, str] | None:
    """Where ``entry`` was defined: (module, qualified name) of the entry if it is a
    function or a class, else of the first function among its fields (a dataclass, a
    tuple)."""
    if callable(entry) and hasattr(entry, "__module__") and hasattr(entry, "__qualname__"):
        return (entry.__module__, entry.__qualname__)
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        parts = [getattr(entry, field.name) for field in dataclasses.fields(entry)]
    elif isinstance(entry, tuple):
        parts = list(entry)
    else:
        return None
    for part in parts:
        origin = _origin(part)
        if origin is not None:
            return origin
    return None


class Registry(Generic[T]):
    """Named entries of one extension point. ``what`` names the kind of entry in error
    messages (``"daily step"``); ``order`` gives the sort key of :meth:`entries`."""

    def __init__(self, what: str, *, order: Callable[[T], Any] | None = None) -> None:
        self.what = what
        self._order = order
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` under ``name`` and return it."""
        existing = self._entries.get(name)
        if existing is not None and existing is not entry and existing != entry:
            origin = _origin(entry)
            if origin is None or origin != _origin(existing):
                raise ValueError(
                    f"{self.what} {name!r} is already registered ({_describe(existing)}); "
                    f"refusing a second one ({_describe(entry)}): choose another name"
                )
        self._entries[name] = entry
        return entry

    def register(self, name: str) -> Callable[[F], F]:
        """The decorator form of :meth:`add`, for a registry of functions."""

        def decorator(function: F) -> F:
            self.add(name, function)  # type: ignore[arg-type]
            return function

        return decorator

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise LookupError(f"unknown {self.what} {name!r}") from None

    def entries(self) -> list[T]:
        entries = list(self._entries.values())
        if self._order is not None:
            entries.sort(key=self._order)
        return entries

    def names(self) -> list[str]:
        if self._order is None:
            return list(self._entries)
        order = self._order
        return [name for name, _entry in sorted(self._entries.items(), key=lambda i: order(i[1]))]

    def items(self) -> list[tuple[str, T]]:
        return [(name, self._entries[name]) for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @contextmanager
    def temporary(self, name: str, entry: T) -> Iterator[T]:
        """For tests: ``entry`` registered under ``name`` inside the ``with`` block, and
        whatever was there before (or nothing) restored after it."""
        missing = object()
        before = self._entries.get(name, missing)
        self._entries[name] = entry
        try:
            yield entry
        finally:
            if before is missing:
                self._entries.pop(name, None)
            else:
                self._entries[name] = before  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Registry of {self.what}: {', '.join(self.names())}>"


def _describe(entry: Any) -> str:
    origin = _origin(entry)
    return f"{origin[0]}.{origin[1]}" if origin else repr(entry)


__all__ = ["Registry"]
