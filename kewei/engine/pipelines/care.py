"""Care reminders (关怀提醒): the occasions of a day and the tasks they make. Pure: only
Ibis.

An occasion is one reason to contact one customer: ``customer_id``, a ``subject`` that
names it (the same occasion always has the same subject), its date ``event_on``, and
what the task shows: ``amount`` (分), ``product_id``, ``note``; plus ``tier_key`` and
``category``, what a rule's tier and product-category filters look at.

Date arithmetic is done in Python on the few dates of the window and enters the SQL as
literals (SQLite before 3.46 cannot shift dates in Ibis): the batch stays one statement
per rule whatever the number of customers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import ibis

from kewei.engine.pipelines.common import choose

COLUMNS = ("customer_id", "subject", "event_on", "amount", "product_id", "note")


def _occasion(
    rows: ibis.Table,
    *,
    subject: ibis.Value,
    event_on: ibis.Value,
    amount: ibis.Value | None = None,
    product_id: ibis.Value | None = None,
    note: ibis.Value | None = None,
    tier_key: ibis.Value | None = None,
    category: ibis.Value | None = None,
) -> ibis.Table:
    return rows.select(
        customer_id=rows.customer_id.cast("int64"),
        subject=subject.cast("string"),
        event_on=event_on.cast("date"),
        amount=(amount if amount is not None else ibis.null()).cast("int64"),
        product_id=(product_id if product_id is not None else ibis.null()).cast("int64"),
        note=(note if note is not None else ibis.literal("")).cast("string"),
        tier_key=(tier_key if tier_key is not None else ibis.null()).cast("string"),
        category=(category if category is not None else ibis.null()).cast("string"),
    )


def date_case(column: ibis.Value, mapping: Mapping[dt.date, dt.date]) -> ibis.Value:
    """``mapping[column]`` as a date column (null for a value not in ``mapping``)."""
    return choose(
        ((column == key, ibis.literal(value)) for key, value in mapping.items()),
        ibis.null("date"),
    )


def annual_occasions(rows: ibis.Table, pairs: Mapping[tuple[int, int], dt.date]) -> ibis.Table:
    """Anniversaries (birthdays): the rows whose (month, day) is in ``pairs``, on the date
    ``pairs`` gives it (``core.calendar.anniversaries`` of the window). ``rows``:
    ``customer_id``, ``object_id``, ``month``, ``day``, ``note``."""
    if not pairs:
        return _occasion(
            rows.filter(ibis.literal(False)), subject=ibis.literal(""), event_on=ibis.null("date")
        )
    month, day_of = rows.month.cast("int64"), rows.day.cast("int64")
    matched = rows.filter(ibis.or_(*((month == m) & (day_of == d) for (m, d) in pairs)))
    m2, d2 = matched.month.cast("int64"), matched.day.cast("int64")
    event_on = choose(
        (((m2 == m) & (d2 == d), ibis.literal(on)) for (m, d), on in pairs.items()),
        ibis.null("date"),
    )
    return _occasion(
        matched,
        subject=matched.object_id.cast("string") + ibis.literal(":") + event_on.cast("string"),
        event_on=event_on,
        note=matched.note,
    )


def dated_occasions(
    rows: ibis.Table,
    window: Sequence[dt.date],
    *,
    offset_days: int,
    repeat_days: int | None,
    repeat_times: int,
) -> ibis.Table:
    """Occasions at ``on + offset_days`` (and ``repeat_times`` more, every
    ``repeat_days``) that fall in ``window``. ``rows``: ``customer_id``, ``object_id``,
    ``on``, ``product_id``, ``category``, ``note``."""
    parts = []
    for repeat in range(repeat_times + 1 if repeat_days else 1):
        shift = dt.timedelta(days=offset_days + repeat * (repeat_days or 0))
        mapping = {day - shift: day for day in window}
        if not mapping:
            continue
        matched = rows.filter(rows.on.isin(list(mapping)))
        event_on = date_case(matched.on, mapping)
        parts.append(
            _occasion(
                matched,
                subject=matched.object_id.cast("string")
                + ibis.literal(":")
                + event_on.cast("string"),
                event_on=event_on,
                product_id=matched.product_id,
                category=matched.category,
                note=matched.note,
            )
        )
    if not parts:
        return _occasion(
            rows.filter(ibis.literal(False)), subject=ibis.literal(""), event_on=ibis.null("date")
        )
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def large_movements(transactions: ibis.Table, day: dt.date) -> ibis.Table:
    """A customer's large fund movements of ``day``: one occasion, the largest amount."""
    large = transactions.filter(transactions.booked_on == day, transactions.is_large)
    per_customer = large.group_by("customer_id").aggregate(amount=large.amount.max())
    return _occasion(
        per_customer,
        subject=ibis.literal(day.isoformat()),
        event_on=ibis.literal(day),
        amount=per_customer.amount,
    )


def business_events(
    events: ibis.Table, products: ibis.Table, day: dt.date, kind: str
) -> ibis.Table:
    """Each business event of ``kind`` that occurred on ``day`` (a loan disbursed, an
    investment reaching its target, an account opened)."""
    today = events.filter(events.occurred_on == day, events.kind == kind)
    catalogue = products.select(catalogue_id=products.id, catalogue_category=products.category)
    joined = today.left_join(catalogue, today.product_id == catalogue.catalogue_id)
    return _occasion(
        joined,
        subject=joined.event_id,
        event_on=joined.occurred_on,
        amount=joined.amount,
        product_id=joined.product_id,
        category=joined.catalogue_category,
    )


def tier_moves(changes: ibis.Table, day: dt.date, direction: str) -> ibis.Table:
    """Upgrades (filtered by the new tier) or downgrades (by the old tier) of ``day``."""
    moved = changes.filter(changes.evaluated_on == day, changes.direction == direction)
    return _occasion(
        moved,
        subject=moved.id.cast("string"),
        event_on=moved.evaluated_on,
        note=moved.old_tier + ibis.literal("→") + moved.new_tier,
        tier_key=moved.new_tier if direction == "up" else moved.old_tier,
    )


def points_expiring(lots: ibis.Table, day: dt.date, within_days: int) -> ibis.Table:
    """Customers with points expiring within ``within_days`` after ``day``: one occasion
    per expiry date, the points in the note."""
    until = day + dt.timedelta(days=within_days)
    soon = lots.filter(lots.remaining > 0, lots.expires_on >= day, lots.expires_on <= until)
    first = soon.group_by("customer_id").aggregate(
        expires_on=soon.expires_on.min(), points=soon.remaining.sum()
    )
    return _occasion(
        first,
        subject=first.expires_on.cast("string"),
        event_on=first.expires_on,
        note=first.points.cast("string"),
    )


def not_contacted(customers: ibis.Table, day: dt.date, intervals: Mapping[str, int]) -> ibis.Table:
    """Customers of a tier with a longest contact interval who have not been contacted
    within it (counted from their first day with the bank if never)."""
    if not intervals:
        return _occasion(
            customers.select(customer_id=customers.id).filter(ibis.literal(False)),
            subject=ibis.literal(""),
            event_on=ibis.null("date"),
        )
    latest_allowed = choose(
        (
            (customers.tier == code, ibis.literal(day - dt.timedelta(days=days)))
            for code, days in intervals.items()
        ),
        ibis.null("date"),
    )
    since = customers.last_contacted_on.fill_null(customers.created_at.cast("date"))
    late = customers.mutate(latest_allowed=latest_allowed, since=since).filter(
        lambda t: t.tier.isin(list(intervals)) & (t.since < t.latest_allowed)
    )
    return _occasion(
        late.mutate(customer_id=late.id),
        subject=ibis.literal("since:") + late.since.cast("string"),
        event_on=ibis.literal(day),
    )


def tasks_for(
    occasions: ibis.Table,
    customers: ibis.Table,
    existing: ibis.Table | None,
    *,
    rule_id: int | None,
    tiers: Sequence[str],
    categories: Sequence[str],
    assignee: str,
    responsible: str,
    tier_roles: Mapping[str, str],
    fallback_role: str,
    active_status: str,
    extra: Sequence[str] = (),
) -> ibis.Table:
    """The tasks a rule's occasions make: for active customers matching the rule's tier
    and category filters, without a task of the rule for the same occasion already.

    ``existing`` (tasks, or plan runs) with ``rule_id``, ``customer_id`` and ``subject``:
    occasions already acted on; None to act on all. ``extra``: occasion columns to carry
    through. Output: the occasion's columns and ``assignee_id`` (the responsible manager, or
    null), ``role`` and ``department_id`` (where a task without a person waits).
    """
    people = customers.filter(customers.status == active_status).select(
        person_id=customers.id,
        manager_id=customers.responsible_manager_id,
        department_key=customers.department_id,
        current_tier=customers.tier,
    )
    joined = occasions.join(people, occasions.customer_id == people.person_id)
    if tiers:
        joined = joined.filter(joined.tier_key.fill_null(joined.current_tier).isin(list(tiers)))
    if categories:
        joined = joined.filter(joined.category.isin(list(categories)))
    fresh = joined
    if existing is not None:
        prior = existing.filter(existing.rule_id == rule_id).select(
            prior_customer=existing.customer_id, prior_subject=existing.subject
        )
        fresh = joined.anti_join(
            prior,
            (joined.customer_id == prior.prior_customer) & (joined.subject == prior.prior_subject),
        )
    tier_role = choose(
        ((fresh.current_tier == code, role) for code, role in tier_roles.items()),
        ibis.literal(fallback_role),
    )
    if assignee == responsible:
        assignee_id = fresh.manager_id
        role = ibis.ifelse(fresh.manager_id.isnull(), tier_role, ibis.literal(""))
    else:
        assignee_id = ibis.null("int64")
        role = ibis.literal(assignee)
    return fresh.select(
        *COLUMNS,
        *extra,
        assignee_id=assignee_id.cast("int64"),
        role=role.cast("string"),
        department_id=fresh.department_key,
    )
