"""Writes of the points ledger: the daily accrual and expiry (set-based batches), and
the checks of its invariants.

A batch writes the ledger with a few statements over a staging table; no statement runs
per customer. Entries, lots and balances change in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.audit.services import audit_record
from kewei.core.statements import Statements
from kewei.customers.models import Customer, CustomerStatus
from kewei.engine import runner
from kewei.engine.pipelines.points import MULTIPLIER_SCALE, POINTS_SCALE, RuleSpec, day_points
from kewei.engine.schemas import table as ibis_table
from kewei.points.actions import PointsAction
from kewei.points.models import (
    AccrualDay,
    EarningRule,
    EntryKind,
    MonthEarned,
    PointsAccount,
    PointsEntry,
    PointsLot,
    PointsPolicy,
    PointsSpend,
    RuleKind,
    StagedAccrual,
)
from kewei.points.selectors import expiry_for, policy_for, rules_in_force
from kewei.products.models import (
    BalanceInterval,
    BusinessEvent,
    CounterpartyKind,
    Direction,
    FeedDay,
    Holding,
    Product,
    Transaction,
)


class PointsError(Exception):
    """A points batch that cannot run (the message says why, in the user's language)."""


class PointsValidationError(ValidationError):
    """A change of the rules or settings that their rules refuse."""


_SQL = Statements(
    {
        "entry": PointsEntry,
        "lot": PointsLot,
        "account": PointsAccount,
        "spend": PointsSpend,
        "month": MonthEarned,
        "staged": StagedAccrual,
        "rule": EarningRule,
        "customer": Customer,
    }
)
# (``_run`` runs one statement, ``_fetch`` returns its rows; see core.statements.)
_run, _fetch = _SQL.run, _SQL.fetch


def _scaled(value: Decimal | str, scale: int) -> int:
    return int((Decimal(value) * scale).to_integral_value())


def rule_specs(rules) -> list[RuleSpec]:
    return [
        RuleSpec(
            id=rule.pk,
            kind=rule.kind,
            points_e4=_scaled(rule.points, POINTS_SCALE),
            category=rule.category,
            event_kind=rule.event_kind,
            unit_fen=_scaled(rule.unit_yuan, 100) if rule.unit_yuan else 0,
            excluded_products=tuple(p.pk for p in rule.excluded_products.all()),
            excluded_channels=tuple(rule.excluded_channels or ()),
        )
        for rule in rules
    ]


def accrual_expression(day: dt.date):
    """The Ibis expression of ``day``'s points per customer and rule."""
    policy = policy_for(day)
    rules = list(rules_in_force(day))
    return day_points(
        intervals=ibis_table(BalanceInterval),
        holdings=ibis_table(Holding),
        products=ibis_table(Product),
        transactions=ibis_table(Transaction),
        events=ibis_table(BusinessEvent),
        customers=ibis_table(Customer),
        month_earned=ibis_table(MonthEarned),
        day=day,
        month=day.replace(day=1),
        rules=rule_specs(rules),
        multipliers={
            tier: _scaled(value, MULTIPLIER_SCALE)
            for tier, value in (policy.tier_multipliers or {}).items()
        },
        monthly_cap=policy.monthly_cap,
        active_status=CustomerStatus.ACTIVE,
        outgoing=Direction.OUT,
        merchant=CounterpartyKind.MERCHANT,
    ), rules


@dataclass(frozen=True)
class RuleData:
    """What a staff member enters for a rule version (validated by the form)."""

    code: str
    name: str
    kind: str
    points: Decimal
    effective_from: dt.date
    category: str = ""
    event_kind: str = ""
    unit_yuan: Decimal | None = None
    excluded_products: tuple = ()
    excluded_channels: tuple[str, ...] = ()
    note: str = ""


def last_accrued() -> dt.date | None:
    """The latest day whose points were awarded."""
    return AccrualDay.objects.order_by("-day").values_list("day", flat=True).first()


def _ensure_future(day: dt.date, what: str) -> None:
    """Past days keep the rules of their time: a change may not start on a day whose
    points were already awarded."""
    last = last_accrued()
    if last is not None and day <= last:
        raise PointsValidationError(
            {
                "effective_from": _(
                    "%(day)s 的积分已经计算（已计算至 %(last)s）；%(what)s须从之后的日期起生效。"
                )
                % {"day": day.isoformat(), "last": last.isoformat(), "what": what}
            }
        )


@transaction.atomic
def rule_create(*, actor, data: RuleData) -> EarningRule:
    """A new rule, or a new version of the rule ``data.code`` from ``effective_from``
    (the version in force then ends that day). At most one rule applies to a product
    category (per kind) or an event kind on any day."""
    _ensure_future(data.effective_from, _("规则变更"))
    rule = EarningRule(
        code=data.code,
        name=data.name,
        kind=data.kind,
        points=data.points,
        effective_from=data.effective_from,
        category=data.category if data.kind != RuleKind.EVENT else "",
        event_kind=data.event_kind if data.kind == RuleKind.EVENT else "",
        unit_yuan=data.unit_yuan if data.kind == RuleKind.SPENDING else None,
        excluded_channels=list(data.excluded_channels) if data.kind == RuleKind.SPENDING else [],
        note=data.note,
        created_by=actor,
    )
    rule.full_clean(exclude=["excluded_products"])
    versions = EarningRule.objects.select_for_update().filter(code=data.code)
    if versions.filter(effective_from__gte=data.effective_from).exists():
        raise PointsValidationError(
            {"effective_from": _("该规则已有同日或更晚生效的版本。")}, code="later_version"
        )
    if versions.exists() and versions.exclude(kind=data.kind).exists():
        raise PointsValidationError({"kind": _("同一规则代码的各版本类型须相同。")})
    same_target = EarningRule.objects.filter(kind=data.kind).exclude(code=data.code)
    if data.kind == RuleKind.EVENT:
        same_target = same_target.filter(event_kind=rule.event_kind)
    else:
        same_target = same_target.filter(category=rule.category)
    overlapping = same_target.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=data.effective_from)
    ).first()
    if overlapping is not None:
        raise PointsValidationError(
            _("规则“%(rule)s”已适用于同一类别或事件，请先停用它或修改它。") % {"rule": overlapping},
            code="overlap",
        )
    previous = versions.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=data.effective_from)
    ).first()
    if previous is not None:
        previous.effective_to = data.effective_from
        previous.save(update_fields=["effective_to"])
    rule.save()
    rule.excluded_products.set(data.excluded_products)
    audit_record(
        actor=actor,
        action=PointsAction.RULE_CREATE,
        subject=rule,
        after={
            "code": rule.code,
            "kind": rule.kind,
            "points": str(rule.points),
            "category": rule.category,
            "event_kind": rule.event_kind,
            "unit_yuan": str(rule.unit_yuan) if rule.unit_yuan else None,
            "effective_from": rule.effective_from.isoformat(),
            "replaces": previous.pk if previous else None,
        },
    )
    return rule


@transaction.atomic
def rule_end(*, actor, rule: EarningRule, effective_to: dt.date) -> EarningRule:
    """Stop a rule from ``effective_to`` (that day earns nothing by it)."""
    _ensure_future(effective_to, _("停用"))
    rule = EarningRule.objects.select_for_update().get(pk=rule.pk)
    if effective_to <= rule.effective_from:
        raise PointsValidationError({"effective_to": _("停用日须晚于生效日。")})
    if rule.effective_to is not None and rule.effective_to <= effective_to:
        raise PointsValidationError({"effective_to": _("该规则在此之前已经停用。")})
    rule.effective_to = effective_to
    rule.save(update_fields=["effective_to"])
    audit_record(
        actor=actor,
        action=PointsAction.RULE_END,
        subject=rule,
        after={"effective_to": effective_to.isoformat()},
    )
    return rule


@transaction.atomic
def policy_set(
    *,
    actor,
    effective_from: dt.date,
    monthly_cap: int | None,
    expiry_years: int,
    tier_multipliers: dict[str, str],
) -> PointsPolicy:
    """New points settings from ``effective_from``."""
    _ensure_future(effective_from, _("参数变更"))
    for tier, value in tier_multipliers.items():
        try:
            multiplier = Decimal(value)
        except (ArithmeticError, ValueError):
            multiplier = Decimal(-1)
        if not multiplier.is_finite() or multiplier <= 0 or multiplier.as_tuple().exponent < -2:
            raise PointsValidationError(
                {
                    "tier_multipliers": _("等级“%(tier)s”的倍数应为正数，最多两位小数。")
                    % {"tier": tier}
                }
            )
    policy, _created = PointsPolicy.objects.update_or_create(
        effective_from=effective_from,
        defaults={
            "monthly_cap": monthly_cap,
            "expiry_years": expiry_years,
            "tier_multipliers": {k: str(Decimal(v)) for k, v in tier_multipliers.items()},
            "created_by": actor,
        },
    )
    policy.full_clean()
    audit_record(
        actor=actor,
        action=PointsAction.POLICY_CREATE,
        subject=policy,
        after={
            "effective_from": effective_from.isoformat(),
            "monthly_cap": monthly_cap,
            "expiry_years": expiry_years,
            "tier_multipliers": policy.tier_multipliers,
        },
    )
    return policy


@dataclass
class RuleTotal:
    rule: EarningRule
    customers: int
    points: int


@dataclass
class AccrualResult:
    day: dt.date
    already: bool = False
    dry_run: bool = False
    rules: list[RuleTotal] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return sum(total.customers for total in self.rules)

    @property
    def points(self) -> int:
        return sum(total.points for total in self.rules)


def _check_day_loaded(day: dt.date) -> None:
    if not FeedDay.objects.filter(day=day).exists():
        raise PointsError(
            _("%(day)s 的日终数据尚未装载，不能计算积分。") % {"day": day.isoformat()}
        )


def points_accrue(*, day: dt.date, dry_run: bool = False, actor=None) -> AccrualResult:
    """Award the points of ``day`` (积分计算). A day already accrued is left as it is;
    ``dry_run`` computes the day's points per rule and writes nothing."""
    _check_day_loaded(day)
    result = AccrualResult(day=day, dry_run=dry_run)
    expression, rules = accrual_expression(day)
    by_id = {rule.pk: rule for rule in rules}
    if dry_run:
        totals = expression.group_by("rule_id").aggregate(
            customers=expression.count(), points=expression.points.sum()
        )
        for rule_id, customers, points in sorted(runner.fetch_all(totals)):
            result.rules.append(RuleTotal(by_id[rule_id], int(customers), int(points)))
        return result
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _run("SELECT pg_advisory_xact_lock(20261126)")  # one points batch at a time
        if AccrualDay.objects.filter(day=day).exists():
            result.already = True
            return result
        _run("DELETE FROM {staged}")
        runner.insert_into(
            StagedAccrual._meta.db_table, ["customer_id", "rule_id", "points"], expression
        )
        _write_accrual(day)
        for rule_id, customers, points in _fetch(
            "SELECT rule_id, COUNT(*), SUM(points) FROM {staged} GROUP BY rule_id ORDER BY rule_id"
        ):
            result.rules.append(RuleTotal(by_id[rule_id], int(customers), int(points)))
        AccrualDay.objects.create(day=day, entries=result.entries, points=result.points)
        audit_record(
            actor=actor,
            action=PointsAction.ACCRUE,
            after={
                "day": day.isoformat(),
                "entries": result.entries,
                "points": result.points,
                "rules": {total.rule.code: total.points for total in result.rules},
            },
        )
    return result


def _write_accrual(day: dt.date) -> None:
    """Entries, lots, balances and month totals from the staged points of ``day``."""
    params = {
        "day": day,
        "prefix": f"earn:{day.isoformat()}:",
        "expires": expiry_for(day, policy_for(day)),
        "month": day.replace(day=1),
        "now": timezone.now(),
        "earn": EntryKind.EARN,
    }
    _run(
        """
        INSERT INTO {entry} (customer_id, kind, points, occurred_on, expires_on, rule_id,
                             reason, document, actor_id, idempotency_key, created_at)
        SELECT s.customer_id, %(earn)s, s.points, %(day)s, %(expires)s, s.rule_id,
               r.name, '', NULL,
               %(prefix)s || CAST(s.rule_id AS TEXT) || ':' || CAST(s.customer_id AS TEXT),
               %(now)s
        FROM {staged} s JOIN {rule} r ON r.id = s.rule_id
        """,
        params,
    )
    # (``WHERE 1 = 1``: SQLite needs a WHERE before an upsert's ON CONFLICT.)
    _run(
        """
        INSERT INTO {lot} (customer_id, expires_on, earned, remaining)
        SELECT customer_id, %(expires)s, SUM(points), SUM(points) FROM {staged}
        WHERE 1 = 1 GROUP BY customer_id
        ON CONFLICT (customer_id, expires_on) DO UPDATE
        SET earned = {lot}.earned + excluded.earned,
            remaining = {lot}.remaining + excluded.remaining
        """,
        params,
    )
    _run(
        """
        INSERT INTO {account} (customer_id, balance, updated_at)
        SELECT customer_id, SUM(points), %(now)s FROM {staged}
        WHERE 1 = 1 GROUP BY customer_id
        ON CONFLICT (customer_id) DO UPDATE
        SET balance = {account}.balance + excluded.balance, updated_at = excluded.updated_at
        """,
        params,
    )
    _run(
        """
        INSERT INTO {month} (customer_id, month, points)
        SELECT customer_id, %(month)s, SUM(points) FROM {staged}
        WHERE 1 = 1 GROUP BY customer_id
        ON CONFLICT (customer_id, month) DO UPDATE SET points = {month}.points + excluded.points
        """,
        params,
    )


@dataclass
class ExpiryResult:
    day: dt.date
    customers: int = 0
    points: int = 0


def points_expire(*, day: dt.date, actor=None) -> ExpiryResult:
    """Expire every lot whose last day is before ``day`` (积分过期): one entry per lot,
    taking what remains of it. Running the same day again finds nothing left."""
    expired = "l.expires_on < %(day)s AND l.remaining > 0"
    key = "'expire:' || CAST(l.id AS TEXT) || ':' || CAST(l.earned AS TEXT)"
    params = {"day": day, "now": timezone.now(), "expire": EntryKind.EXPIRE}
    result = ExpiryResult(day=day)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _run("SELECT pg_advisory_xact_lock(20261126)")
        customers, points = _fetch(
            f"SELECT COUNT(DISTINCT l.customer_id), COALESCE(SUM(l.remaining), 0) "
            f"FROM {{lot}} l WHERE {expired}",
            params,
        )[0]
        if not points:
            return result
        customers, points = int(customers), int(points)
        result.customers, result.points = customers, points
        _run(
            f"""
            INSERT INTO {{entry}} (customer_id, kind, points, occurred_on, expires_on,
                                   rule_id, reason, document, actor_id, idempotency_key,
                                   created_at)
            SELECT l.customer_id, %(expire)s, -l.remaining, %(day)s, l.expires_on, NULL,
                   %(reason)s, '', NULL, {key}, %(now)s
            FROM {{lot}} l WHERE {expired}
            """,
            {**params, "reason": _("积分到期")},
        )
        _run(
            f"""
            INSERT INTO {{spend}} (entry_id, lot_id, points)
            SELECT e.id, l.id, l.remaining FROM {{lot}} l
            JOIN {{entry}} e ON e.idempotency_key = {key}
            WHERE {expired}
            """,
            params,
        )
        _run(
            f"""
            UPDATE {{account}} SET balance = {{account}}.balance - gone.points,
                   updated_at = %(now)s
            FROM (SELECT l.customer_id, SUM(l.remaining) AS points FROM {{lot}} l
                  WHERE {expired} GROUP BY l.customer_id) gone
            WHERE gone.customer_id = {{account}}.customer_id
            """,
            params,
        )
        _run("UPDATE {lot} SET remaining = 0 WHERE expires_on < %(day)s AND remaining > 0", params)
        audit_record(
            actor=actor,
            action=PointsAction.EXPIRE,
            after={"day": day.isoformat(), "customers": customers, "points": points},
        )
    return result


def lock_accounts(customer_ids: list[int]) -> dict[int, PointsAccount]:
    """The points accounts of these customers (created when missing), locked in id order
    so that two operations on the same pair never wait for each other in a cycle."""
    for customer_id in sorted(set(customer_ids)):
        PointsAccount.objects.unrestricted().get_or_create(customer_id=customer_id)
    locked = (
        PointsAccount.objects.unrestricted()
        .select_for_update()
        .filter(customer_id__in=customer_ids)
        .order_by("customer_id")
    )
    return {account.customer_id: account for account in locked}


def points_move_on_merge(keep, duplicate, *, actor=None) -> int:
    """A customer merge: the duplicate's remaining points move to the kept record, each
    with its own expiry. The ledger keeps both sides: a transfer-out entry on the
    duplicate (taking from its lots), a transfer-in entry per expiry date on the kept
    record. Returns the points moved."""
    accounts = lock_accounts([keep.pk, duplicate.pk])
    lots = list(
        PointsLot.objects.unrestricted()
        .select_for_update()
        .filter(customer=duplicate, remaining__gt=0)
        .order_by("expires_on")
    )
    total = sum(lot.remaining for lot in lots)
    if not total:
        return 0
    today = timezone.localdate()
    key = f"merge:{duplicate.pk}:{keep.pk}"
    reason = _("客户合并：%(a)s 并入 %(b)s") % {
        "a": duplicate.customer_number,
        "b": keep.customer_number,
    }
    out = PointsEntry.objects.create(
        customer=duplicate,
        kind=EntryKind.MERGE,
        points=-total,
        occurred_on=today,
        reason=reason,
        document=key,
        actor=actor,
        idempotency_key=f"{key}:out",
    )
    for lot in lots:
        PointsSpend.objects.create(entry=out, lot=lot, points=lot.remaining)
        PointsEntry.objects.create(
            customer=keep,
            kind=EntryKind.MERGE,
            points=lot.remaining,
            occurred_on=today,
            expires_on=lot.expires_on,
            reason=reason,
            document=key,
            actor=actor,
            idempotency_key=f"{key}:in:{lot.expires_on.isoformat()}",
        )
        target, _created = PointsLot.objects.unrestricted().get_or_create(
            customer=keep, expires_on=lot.expires_on
        )
        PointsLot.objects.unrestricted().filter(pk=target.pk).update(
            earned=F("earned") + lot.remaining, remaining=F("remaining") + lot.remaining
        )
        PointsLot.objects.unrestricted().filter(pk=lot.pk).update(remaining=0)
    now = timezone.now()
    PointsAccount.objects.unrestricted().filter(pk=accounts[duplicate.pk].pk).update(
        balance=F("balance") - total, updated_at=now
    )
    PointsAccount.objects.unrestricted().filter(pk=accounts[keep.pk].pk).update(
        balance=F("balance") + total, updated_at=now
    )
    return total


@dataclass(frozen=True)
class Violation:
    customer_number: str
    problem: str


# Each invariant: how to say it is broken, and the customers that break it, as
# (customer number, stored figure, expected figure).
_CHECKS = {
    "balance_vs_entries": (
        gettext_lazy("积分余额 %(a)s 与流水合计 %(b)s 不符"),
        """
        SELECT c.customer_number, a.balance, COALESCE(e.total, 0)
        FROM {account} a JOIN {customer} c ON c.id = a.customer_id
        LEFT JOIN (SELECT customer_id, SUM(points) AS total FROM {entry}
                   GROUP BY customer_id) e ON e.customer_id = a.customer_id
        WHERE a.balance <> COALESCE(e.total, 0)
        UNION ALL
        SELECT c.customer_number, 0, e.total
        FROM (SELECT customer_id, SUM(points) AS total FROM {entry}
              GROUP BY customer_id) e
        JOIN {customer} c ON c.id = e.customer_id
        WHERE NOT EXISTS (SELECT 1 FROM {account} a WHERE a.customer_id = e.customer_id)
          AND e.total <> 0
        """,
    ),
    "lot_out_of_range": (
        gettext_lazy("积分批次剩余 %(a)s 超出 0 至 %(b)s 的范围"),
        """
        SELECT c.customer_number, l.remaining, l.earned
        FROM {lot} l JOIN {customer} c ON c.id = l.customer_id
        WHERE l.remaining < 0 OR l.remaining > l.earned
        """,
    ),
    "lot_vs_spends": (
        gettext_lazy("积分批次剩余 %(a)s 与获得减使用 %(b)s 不符"),
        """
        SELECT c.customer_number, l.remaining, l.earned - COALESCE(s.spent, 0)
        FROM {lot} l JOIN {customer} c ON c.id = l.customer_id
        LEFT JOIN (SELECT lot_id, SUM(points) AS spent FROM {spend} GROUP BY lot_id) s
          ON s.lot_id = l.id
        WHERE l.remaining <> l.earned - COALESCE(s.spent, 0)
        """,
    ),
    "lots_vs_balance": (
        gettext_lazy("积分余额 %(a)s 与各批次剩余合计 %(b)s 不符"),
        """
        SELECT c.customer_number, a.balance, COALESCE(l.total, 0)
        FROM {account} a JOIN {customer} c ON c.id = a.customer_id
        LEFT JOIN (SELECT customer_id, SUM(remaining) AS total FROM {lot}
                   GROUP BY customer_id) l ON l.customer_id = a.customer_id
        WHERE a.balance <> COALESCE(l.total, 0)
        """,
    ),
}


def points_verify() -> list[Violation]:
    """Check the ledger's invariants: every balance is the sum of its entries; no lot is
    negative or spent beyond what it earned; a lot's remainder is what it earned less
    what was taken from it; the remainders of a customer's lots add up to the balance."""
    violations = []
    for message, sql in _CHECKS.values():
        for number, stored, expected in _fetch(sql):
            violations.append(Violation(number, str(message) % {"a": stored, "b": expected}))
    return sorted(violations, key=lambda v: (v.customer_number, v.problem))
