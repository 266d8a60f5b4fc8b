"""``kewei analytics_refresh [--date D]``: evaluate a day's analytics and churn risk
(the nightly steps ``analytics.refresh`` and ``analytics.churn`` do the same)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from kewei.analytics.churn import churn_refresh
from kewei.analytics.services import analytics_refresh
from kewei.products.selectors import latest_feed_day


class Command(BaseCommand):
    help = "客户分析（RFM、价值类别、产品覆盖与流失）/ evaluate the customer analytics of a day"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, date, **options):
        day = date or latest_feed_day()
        if day is None:
            raise CommandError("没有已装载的日终数据 / no feed day loaded")
        result = analytics_refresh(day=day)
        self.stdout.write(
            f"{day}: transactions absorbed {result.absorbed.transactions}, "
            f"customers {result.customers}, segments {result.segments}, "
            f"classes {result.classes}"
        )
        risk = churn_refresh(day=day)
        model = risk.model
        evaluation = (
            f"AUC {model.auc:.3f}, top decile {model.top_decile_precision:.3f}"
            if model and model.auc is not None
            else "no model (less than two years of history)"
        )
        self.stdout.write(
            f"churn risk: high {risk.high_risk}, tasks {risk.tasks}, model: {evaluation}"
        )
