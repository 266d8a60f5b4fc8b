"""The analytics' filters in the customer search engine: the drill-down from a
dashboard's segment or class to the customers in it (on the latest evaluated day)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from kewei.analytics.models import CustomerMeasure, Segment, ValueClass
from kewei.analytics.selectors import latest_day
from kewei.customers.selectors import SearchFilter, register_search_filter


def _measured(field: str):
    def apply(customers, value):
        day = latest_day()
        if day is None:
            return customers.none()
        return customers.filter(
            Exists(
                CustomerMeasure.objects.unrestricted().filter(
                    day=day, customer=OuterRef("pk"), **{field: value}
                )
            )
        )

    return apply


register_search_filter(
    SearchFilter("segment", _("客户分群"), lambda: Segment.choices, _measured("segment"))
)
register_search_filter(
    SearchFilter("value_class", _("价值类别"), lambda: ValueClass.choices, _measured("value_class"))
)
