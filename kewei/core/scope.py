"""Data scope (数据权限): which part of the bank's data the current actor may see.

The scope is held in a context variable for the duration of a request (set by
:class:`kewei.core.middleware.DataScopeMiddleware`) or of a job. Every model that
holds scoped data inherits :class:`ScopedModel`, whose default manager filters by the
active scope: a view cannot forget to restrict, and an object outside the scope is
simply not found (404). Outside any request or job (commands, batch pipelines) no
scope is active and the manager returns everything; code that must see beyond the
user's scope inside a request says so with ``Model.objects.unrestricted()``.

A scope object lives as long as its request or job, so what its queries look up (the
department ids of a subtree) is resolved once on it (:meth:`DataScope.resolved`) and
reused by every scoped query; a service that changes the department tree calls
:func:`forget_resolved`, and the re-check after a write resolves afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Self, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

T = TypeVar("T")


@dataclass(frozen=True)
class DataScope:
    """What one actor may see. Built by ``organisation.selectors.data_scope_for``."""

    staff_id: int | None = None
    department_id: int | None = None
    # Batch jobs and system commands see everything.
    system: bool = False
    # Organisation data (departments, staff): everything, or these department subtrees.
    org_all: bool = False
    org_subtrees: tuple[str, ...] = ()
    # Customer data: customers of these department subtrees, and/or the staff's own book.
    customer_subtrees: tuple[str, ...] = ()
    customer_book: bool = False
    # What the scope's queries looked up, by key: kept on the scope object, which lives
    # for one request or one job, so a page of twenty scoped queries looks a subtree up
    # once. Not part of what the scope is (equality, hash).
    _resolved: dict[Hashable, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def nothing(cls) -> DataScope:
        return cls()

    @classmethod
    def everything(cls) -> DataScope:
        return cls(system=True, org_all=True)

    def resolved(self, key: Hashable, resolve: Callable[[], T]) -> T:
        """``resolve()``, called the first time ``key`` is asked for on this scope and
        remembered for the scope's life (its request or job)."""
        try:
            return self._resolved[key]
        except KeyError:
            value = self._resolved[key] = resolve()
            return value

    def forget_resolved(self) -> None:
        self._resolved.clear()

    def fresh(self) -> DataScope:
        """The same scope with nothing resolved yet: what it sees as the data is now."""
        return replace(self)


NOTHING = Q(pk__in=[])

_current: ContextVar[DataScope | None] = ContextVar("kewei_data_scope", default=None)


def current_scope() -> DataScope | None:
    return _current.get()


def forget_resolved() -> None:
    """The department tree changed (a department was created or moved): the active
    scope looks its subtrees up again for the rest of the request or job."""
    scope = current_scope()
    if scope is not None:
        scope.forget_resolved()


@contextmanager
def scope_activated(scope: DataScope) -> Iterator[DataScope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def subtree_q(field: str, paths: tuple[str, ...]) -> Q:
    """Rows whose department path (``field``) lies under any of ``paths``."""
    condition = NOTHING
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


class ScopedQuerySet(models.QuerySet):
    def restrict(self, scope: DataScope) -> Self:
        if scope.system:
            return self
        return self.filter(self.model.scope_filter(scope))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of scoped data: applies the active scope to every query."""

    def get_queryset(self) -> ScopedQuerySet:
        queryset = super().get_queryset()
        scope = current_scope()
        return queryset if scope is None else queryset.restrict(scope)

    def unrestricted(self) -> ScopedQuerySet:
        """Every row, whatever the active scope: for uniqueness checks and system work."""
        return ScopedQuerySet(self.model, using=self._db)


class ScopedModel(models.Model):
    """A model whose rows are visible according to the data scope."""

    objects = ScopedManager()

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        raise NotImplementedError(f"{cls.__name__} must define scope_filter(scope)")

    def in_scope(self, scope: DataScope) -> bool:
        """Re-check, inside a transaction after a write, that the row is still visible.

        Against the data as it is now, not as the scope resolved it earlier in the
        request or job (another request may have moved a department since)."""
        restricted = type(self).objects.unrestricted().restrict(scope.fresh())
        return restricted.filter(pk=self.pk).exists()

    def ensure_still_visible(self) -> None:
        """After a write, inside its transaction: the actor must still see what they
        changed (a write that moves a row out of the actor's scope is refused, and the
        transaction rolls back). Outside a request or job there is nothing to check."""
        scope = current_scope()
        if scope is not None and not self.in_scope(scope):
            raise PermissionDenied(_("该操作会使对象超出您的数据权限范围。"))
