"""How products and holdings plug into the customer archive: the customer page's assets
panel, and customer merges (holdings, flows and events move to the kept record)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.core.money import format_money
from kewei.core.night import night_checks
from kewei.customers.panels import Fact, once_per_page, register_panel, register_summary
from kewei.customers.services import register_merge_handler
from kewei.products import selectors
from kewei.products.models import (
    AssetsMonth,
    BusinessEvent,
    FeedDay,
    Holding,
    HoldingStatus,
    Transaction,
)


@register_panel(
    "holdings", title=gettext_lazy("资产与持仓"), template="products/panels/holdings.html", order=15
)
def _holdings(request, customer):
    return {
        "assets": selectors.customer_assets(customer),
        "holdings": _holdings_of(request, customer),
        "transactions": selectors.recent_transactions(customer),
    }


def _holdings_of(request, customer) -> list[Holding]:
    return once_per_page(
        request,
        f"products.holdings:{customer.pk}",
        lambda: list(selectors.customer_holdings(customer)),
    )


@register_summary("products", order=30)
def _maturities_summary(request, customer) -> list[Fact]:
    """Holdings that mature in the coming seven days (本周到期), read from the holdings
    the panel shows: no query of its own."""
    today = timezone.localdate()
    last = today + dt.timedelta(days=6)
    maturing = [
        h
        for h in _holdings_of(request, customer)
        if h.status == HoldingStatus.OPEN and h.matures_on and today <= h.matures_on <= last
    ]
    if not maturing:
        return []
    maturing.sort(key=lambda h: (h.matures_on, h.pk))
    first = maturing[0]
    value = _("%(product)s %(amount)s，%(day)s 到期") % {
        "product": first.product.name,
        "amount": format_money(first.balance_yuan),
        "day": first.matures_on.isoformat(),
    }
    if len(maturing) > 1:
        value = _("%(first)s 等 %(count)d 笔") % {"first": value, "count": len(maturing)}
    return [Fact(_("7 天内产品到期"), value, alert=True, panel="holdings")]


def _move_holdings(keep, duplicate) -> int:
    from kewei.core.calendar import next_month
    from kewei.customers.services.derived import coverage_refresh
    from kewei.products.feed.loading import coverage_counted, month_assets_rebuild
    from kewei.products.selectors import first_feed_day

    moved = Holding.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    Transaction.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    BusinessEvent.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    months = sorted(
        set(
            AssetsMonth.objects.unrestricted()
            .filter(customer__in=[keep, duplicate])
            .values_list("month", flat=True)
        )
    )
    AssetsMonth.objects.unrestricted().filter(customer=duplicate).delete()
    first = first_feed_day()
    for month in months:
        month_assets_rebuild(
            month=month, start=max(month, first), end=next_month(month), customer_ids=[keep.pk]
        )
    coverage_refresh(
        counted=coverage_counted("(SELECT %(keep)s AS customer_id)"),
        params={"open": HoldingStatus.OPEN, "keep": keep.pk},
    )
    # The merge saves ``keep`` afterwards: its in-memory coverage must be the new one.
    keep.refresh_from_db(fields=["product_categories"])
    return moved


register_merge_handler("products", _move_holdings)


@night_checks.register("products.feed_loaded")
def _feed_loaded(day) -> str | None:
    # A night whose feed has not arrived waits for it (kewei run_daily exits 3).
    if FeedDay.objects.filter(day=day).exists():
        return None
    return (
        f"{day} 的日终数据尚未装载，稍后重试 / the feed of {day} has not been loaded; "
        "retry later (kewei load_day)"
    )
