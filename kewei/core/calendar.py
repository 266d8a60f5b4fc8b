"""Calendar arithmetic the batches share: months, and working days (工作日).

Working days are Monday to Friday, less the bank's holidays (``KEWEI_HOLIDAYS``: ISO
dates) and plus its make-up working weekends (调休, ``KEWEI_WORKING_WEEKENDS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    last = (next_month(first) - dt.timedelta(days=1)).day
    return first.replace(day=min(day.day, last))


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def anniversaries(days: Iterable[dt.date]) -> dict[tuple[int, int], dt.date]:
    """(month, day) of the anniversaries (birthdays) that fall on ``days``, to the day
    they fall on. A 29 February anniversary is kept on 28 February in a common year."""
    found: dict[tuple[int, int], dt.date] = {}
    for day in days:
        found[(day.month, day.day)] = day
        if (day.month, day.day) == (2, 28) and not is_leap_year(day.year):
            found[(2, 29)] = day
    return found


def is_working_day(day: dt.date) -> bool:
    iso = day.isoformat()
    if iso in settings.KEWEI_WORKING_WEEKENDS:
        return True
    return day.weekday() < 5 and iso not in settings.KEWEI_HOLIDAYS


def working_day_on_or_before(day: dt.date) -> dt.date:
    """``day`` itself, or the last working day before it (a Saturday maturity is
    prepared on Friday)."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``day``."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
