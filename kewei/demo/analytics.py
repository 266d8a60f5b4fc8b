"""The demo's analytics: the latest loaded day and the month-ends before it, as the
nightly step would have evaluated them, and the churn risk of the latest day (with its
model trained on the demo's two years)."""

from __future__ import annotations

from kewei.analytics.churn import churn_refresh
from kewei.analytics.models import AnalyticsRun
from kewei.analytics.services import analytics_refresh
from kewei.core.calendar import is_month_end
from kewei.core.progress import Progress
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.products.models import FeedDay

MONTHS = 3


@register_seeder("analytics", order=75)
def seed_analytics(context: SeedContext, progress: Progress) -> dict[str, int]:
    days = list(FeedDay.objects.order_by("day").values_list("day", flat=True))
    if not days:
        return {"days": 0}
    wanted = [day for day in days if is_month_end(day)][-MONTHS:]
    if days[-1] not in wanted:
        wanted.append(days[-1])
    done = set(AnalyticsRun.objects.values_list("day", flat=True))
    todo = [day for day in wanted if day not in done]
    progress.start(len(todo), "客户分析")
    for day in todo:
        analytics_refresh(day=day)
        progress.advance(1)
    if todo:
        churn_refresh(day=days[-1])
    return {"days": len(todo)}
