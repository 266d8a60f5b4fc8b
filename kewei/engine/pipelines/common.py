"""Small expressions the pipelines share. Pure: only Ibis."""

from __future__ import annotations

from collections.abc import Iterable

import ibis


def choose(branches: Iterable[tuple[ibis.Value, object]], default) -> ibis.Value:
    """The value of the first branch whose condition holds, else ``default``: a CASE
    built from configuration (rules, tiers, dates) that may have no branch at all, which
    ``ibis.cases`` refuses."""
    branches = list(branches)
    if not branches:
        return default if isinstance(default, ibis.Value) else ibis.literal(default)
    return ibis.cases(*branches, else_=default)
