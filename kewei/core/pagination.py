"""Paging over tables of millions of rows.

An exact ``COUNT(*)`` of a broad search (all 500,000 customers of a branch) costs more
than fetching the page itself; nobody reads past the first hundred pages anyway. The
capped paginator counts at most ``cap + 1`` rows and says "10,000+" beyond that.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, cap: int = 10_000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # COUNT over a LIMIT subquery, without the ordering (which would sort every
        # matching row first): the database stops after cap + 1 rows.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
