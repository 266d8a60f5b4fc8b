"""Writes of the tiers: the nightly evaluation of every customer (set-based), potential
VIPs from the day's large transactions, the schemes, and assigning customers who reached
a tier that needs a manager."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import ibis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.core.calendar import add_months, is_month_end, month_start, previous_month
from kewei.core.money import fen
from kewei.core.statements import Statements
from kewei.customers.models import Customer, CustomerStatus
from kewei.customers.services.derived import tiers_set
from kewei.engine import runner
from kewei.engine.pipelines.tiers import TierSpec, tier_changes
from kewei.engine.schemas import table as ibis_table
from kewei.products.models import AssetsMonth, FeedDay, Transaction
from kewei.products.selectors import assets_of_window
from kewei.tiers.actions import TiersAction
from kewei.tiers.models import (
    Direction,
    Measure,
    PotentialVip,
    PotentialVipStatus,
    Tier,
    TierChange,
    TierRun,
    TierScheme,
    VipCard,
)
from kewei.tiers.selectors import scheme_in_force

_SQL = Statements(
    {
        "customer": Customer,  # read only: the customers' columns are theirs to write
        "change": TierChange,
        "potential": PotentialVip,
        "transaction": Transaction,
        "card": VipCard,
    }
)
_run, _fetch = _SQL.run, _SQL.fetch


class TierError(ValidationError):
    """An evaluation or a change of the tiers that cannot be done (the message says why)."""


@dataclass(frozen=True)
class Period:
    """What an evaluation on a day measures: the month (or day) and the months before
    it that the grace rule looks back on."""

    month: dt.date | None  # month-average: the latest complete month
    day: dt.date | None  # current AUM: the day itself
    history: tuple[dt.date, ...]


def evaluation_period(scheme: TierScheme, day: dt.date) -> Period:
    """The latest complete month on ``day`` (or ``day`` itself for the current AUM), and
    the ``grace_months - 1`` months before it."""
    if scheme.measure == Measure.MONTH_AVERAGE:
        month = month_start(day) if is_month_end(day) else previous_month(day)
        first, current_day = month, None
    else:
        month, current_day = None, day
        first = month_start(day)
    history = []
    for _index in range(scheme.grace_months - 1):
        first = previous_month(first)
        history.append(first)
    return Period(month=month, day=current_day, history=tuple(history))


def tier_specs(scheme: TierScheme) -> list[TierSpec]:
    return [
        TierSpec(code=tier.code, rank=tier.rank, min_fen=fen(tier.min_aum))
        for tier in scheme.tiers.all()
    ]


def changes_expression(scheme: TierScheme, day: dt.date) -> ibis.Table:
    """The Ibis expression of the customers whose tier changes on ``day``."""
    period = evaluation_period(scheme, day)
    column = "aum_average" if scheme.measure == Measure.MONTH_AVERAGE else "aum_end"
    months = ibis_table(AssetsMonth)
    if period.month is not None:
        in_period = months.filter(months.month == period.month)
        now = in_period.select("customer_id", value=in_period[column])
    else:
        closing = assets_of_window(day, day + dt.timedelta(days=1))
        now = closing.select("customer_id", value=closing.aum_end)
    before = months.filter(months.month.isin(list(period.history) or [dt.date(1900, 1, 1)]))
    history = before.select("customer_id", "month", value=before[column])
    return tier_changes(
        customers=ibis_table(Customer),
        period=now,
        history=history,
        tiers=tier_specs(scheme),
        households=scheme.basis == "household",
        active_status=CustomerStatus.ACTIVE,
    )


@dataclass
class EvaluationResult:
    day: dt.date
    scheme: TierScheme
    evaluated: int = 0
    upgrades: int = 0
    downgrades: int = 0
    # The scheme had already been evaluated for the day: nothing was done or recorded.
    already_done: bool = False


def _check_day_loaded(day: dt.date) -> None:
    if not FeedDay.objects.filter(day=day).exists():
        raise TierError(
            _("%(day)s 的日终数据尚未装载，不能评级。") % {"day": day.isoformat()},
            code="not_loaded",
        )


def tiers_evaluate(*, day: dt.date, actor=None) -> EvaluationResult:
    """Re-tier every active customer for ``day`` under the scheme in force, set-based.

    Each change is recorded as a :class:`TierChange` and the customer's ``tier`` is
    set; a customer whose tier stays is not touched. A day the scheme has already been
    evaluated for (its :class:`TierRun` is there) is not evaluated again: the result says
    ``already_done`` and nothing is recorded, so ``run_daily`` can simply be run again
    after a failure. The evaluation is one transaction, so an interrupted one leaves no
    run behind and is done in full next time. A day before the latest evaluated one is
    refused: tiers move forwards.
    """
    scheme = scheme_in_force()
    if scheme is None:
        raise TierError(_("没有生效的分级方案。"), code="no_scheme")
    if not scheme.tiers.exists():
        raise TierError(_("分级方案“%(scheme)s”没有等级。") % {"scheme": scheme}, code="no_tiers")
    _check_day_loaded(day)
    result = EvaluationResult(day=day, scheme=scheme)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _run("SELECT pg_advisory_xact_lock(20261127)")  # one evaluation at a time
        later = TierRun.objects.filter(scheme=scheme, day__gt=day).order_by("-day").first()
        if later is not None:
            raise TierError(
                _("已按 %(later)s 评级，不能再按更早的 %(day)s 评级。")
                % {"later": later.day.isoformat(), "day": day.isoformat()},
                code="earlier_day",
            )
        if TierRun.objects.filter(scheme=scheme, day=day).exists():
            result.already_done = True
            return result
        last_id = TierChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        expression = changes_expression(scheme, day).mutate(
            evaluated_on=ibis.literal(day), scheme_id=ibis.literal(scheme.pk, "int64")
        )
        runner.insert_into(
            TierChange._meta.db_table,
            [
                "customer_id",
                "evaluated_on",
                "old_tier",
                "new_tier",
                "direction",
                "measure",
                "scheme_id",
            ],
            expression,
        )
        params = {"last": last_id}
        tiers_set(
            tiers=(
                f"SELECT c.customer_id, c.new_tier AS tier FROM {_SQL.names()['change']} c "
                "WHERE c.id > %(last)s"
            ),
            params=params,
            updated_at=timezone.now(),
        )
        _issue_vip_cards(scheme, day, last_id)
        for direction, count in _fetch(
            "SELECT direction, COUNT(*) FROM {change} WHERE id > %(last)s GROUP BY direction",
            params,
        ):
            if direction == Direction.UP:
                result.upgrades = int(count)
            else:
                result.downgrades = int(count)
        result.evaluated = Customer.objects.unrestricted().filter(status="active").count()
        TierRun.objects.create(
            day=day,
            scheme=scheme,
            evaluated=result.evaluated,
            upgrades=result.upgrades,
            downgrades=result.downgrades,
        )
        audit_record(
            actor=actor,
            action=TiersAction.EVALUATE,
            after={
                "day": day.isoformat(),
                "scheme": scheme.code,
                "upgrades": result.upgrades,
                "downgrades": result.downgrades,
            },
        )
    return result


def _issue_vip_cards(scheme: TierScheme, day: dt.date, last_id: int) -> int:
    """A VIP card for each customer upgraded today into VIP tier or above who holds no
    card valid on ``day``."""
    vip = vip_codes(scheme)
    if not vip:
        return 0
    return _run(
        f"""
        INSERT INTO {{card}} (customer_id, tier, issued_on, valid_until)
        SELECT c.customer_id, c.new_tier, %s, %s FROM {{change}} c
        WHERE c.id > %s AND c.direction = %s AND c.new_tier IN ({", ".join(["%s"] * len(vip))})
          AND NOT EXISTS (SELECT 1 FROM {{card}} v
                          WHERE v.customer_id = c.customer_id AND v.valid_until >= %s)
        """,
        [day, add_months(day, scheme.vip_card_months), last_id, Direction.UP, *vip, day],
    )


def vip_codes(scheme: TierScheme) -> list[str]:
    """The tiers from the lowest that needs a manager upwards: VIP and above."""
    tiers = list(scheme.tiers.order_by("rank"))
    first = next((tier.rank for tier in tiers if tier.requires_manager), None)
    return [tier.code for tier in tiers if first is not None and tier.rank >= first]


@transaction.atomic
def potential_vips_flag(*, day: dt.date) -> int:
    """Flag the active customers below VIP tier with a single transaction of at least
    the large-movement amount (``KEWEI_LARGE_MOVEMENT_YUAN``, 10万 by default) booked on
    ``day``; returns how many were flagged (a day flagged again adds nobody)."""
    scheme = scheme_in_force()
    vip = vip_codes(scheme) if scheme is not None else []
    below_vip = f"AND c.tier NOT IN ({', '.join(['%s'] * len(vip))})" if vip else ""
    threshold = fen(settings.KEWEI_LARGE_MOVEMENT_YUAN)
    return _run(
        f"""
        INSERT INTO {{potential}} (customer_id, flagged_on, amount, tier, status)
        SELECT t.customer_id, %s, MAX(t.amount), c.tier, %s
        FROM {{transaction}} t JOIN {{customer}} c ON c.id = t.customer_id
        WHERE t.booked_on = %s AND t.is_large AND t.amount >= %s
          AND c.status = %s {below_vip}
          AND NOT EXISTS (SELECT 1 FROM {{potential}} p
                          WHERE p.customer_id = t.customer_id AND p.flagged_on = %s)
        GROUP BY t.customer_id, c.tier
        """,
        [day, PotentialVipStatus.OPEN, day, threshold, CustomerStatus.ACTIVE, *vip, day],
    )


@transaction.atomic
def potential_vip_follow(*, actor, flag: PotentialVip) -> PotentialVip:
    """Mark a potential VIP as approached."""
    flag = PotentialVip.objects.select_for_update().get(pk=flag.pk)
    if flag.status == PotentialVipStatus.FOLLOWED:
        return flag
    flag.status = PotentialVipStatus.FOLLOWED
    flag.followed_by = actor
    flag.followed_at = timezone.now()
    flag.save(update_fields=["status", "followed_by", "followed_at"])
    audit_record(actor=actor, action=TiersAction.POTENTIAL_VIP_FOLLOW, subject=flag.customer)
    return flag


@dataclass(frozen=True)
class TierData:
    code: str
    name: str
    min_aum: Decimal
    responsible_role: str
    requires_manager: bool = False
    contact_interval_days: int | None = None
    name_en: str = ""


@transaction.atomic
def scheme_create(
    *,
    actor,
    code: str,
    name: str,
    measure: str,
    basis: str,
    grace_months: int,
    tiers: list[TierData],
    in_force: bool = False,
    note: str = "",
) -> TierScheme:
    """A new tier scheme with its tiers, ranked by their lower bounds; ``in_force``
    makes it the scheme the next evaluation uses."""
    scheme = TierScheme(
        code=code,
        name=name,
        measure=measure,
        basis=basis,
        grace_months=grace_months,
        note=note,
    )
    scheme.full_clean()
    if not tiers:
        raise TierError({"tiers": _("请至少设置一个等级。")}, code="no_tiers")
    bounds = [tier.min_aum for tier in tiers]
    if len(set(bounds)) != len(bounds):
        raise TierError({"tiers": _("各等级的资产下限不能相同。")}, code="same_bound")
    scheme.save()
    for rank, data in enumerate(sorted(tiers, key=lambda tier: tier.min_aum), start=1):
        tier = Tier(scheme=scheme, rank=rank, **data.__dict__)
        tier.full_clean()
        tier.save()
    audit_record(
        actor=actor,
        action=TiersAction.SCHEME_CREATE,
        subject=scheme,
        after={"code": code, "tiers": [t.code for t in tiers]},
    )
    if in_force:
        scheme_put_in_force(actor=actor, scheme=scheme)
    return scheme


@transaction.atomic
def scheme_put_in_force(*, actor, scheme: TierScheme) -> TierScheme:
    """Make ``scheme`` the one in force (the next evaluation re-tiers everyone by it)."""
    previous = TierScheme.objects.select_for_update().filter(in_force=True).first()
    if previous is not None and previous.pk == scheme.pk:
        return scheme
    TierScheme.objects.filter(in_force=True).update(in_force=False)
    TierScheme.objects.filter(pk=scheme.pk).update(in_force=True)
    scheme.in_force = True
    audit_record(
        actor=actor,
        action=TiersAction.SCHEME_IN_FORCE,
        subject=scheme,
        before={"scheme": previous.code if previous else ""},
        after={"scheme": scheme.code},
    )
    return scheme


@transaction.atomic
def tier_update(
    *,
    actor,
    tier: Tier,
    name: str,
    min_aum: Decimal,
    responsible_role: str,
    requires_manager: bool,
    contact_interval_days: int | None,
    name_en: str = "",
) -> Tier:
    """Tune a tier; the next evaluation applies the new bound. The ranks must stay in
    the order of the bounds."""
    tier = Tier.objects.select_for_update().get(pk=tier.pk)
    before = {"min_aum": str(tier.min_aum), "role": tier.responsible_role}
    siblings = Tier.objects.filter(scheme_id=tier.scheme_id).exclude(pk=tier.pk)
    below = siblings.filter(rank__lt=tier.rank, min_aum__gte=min_aum).first()
    above = siblings.filter(rank__gt=tier.rank, min_aum__lte=min_aum).first()
    if below is not None or above is not None:
        raise TierError(
            {"min_aum": _("资产下限须高于下一级、低于上一级的下限。")}, code="bound_order"
        )
    tier.name = name
    tier.name_en = name_en
    tier.min_aum = min_aum
    tier.responsible_role = responsible_role
    tier.requires_manager = requires_manager
    tier.contact_interval_days = contact_interval_days
    tier.full_clean()
    tier.save()
    audit_record(
        actor=actor,
        action=TiersAction.TIER_UPDATE,
        subject=tier,
        before=before,
        after={"min_aum": str(tier.min_aum), "role": tier.responsible_role},
    )
    return tier


@transaction.atomic
def scheme_update(
    *, actor, scheme: TierScheme, name: str, measure: str, basis: str, grace_months: int
) -> TierScheme:
    """Change a scheme's settings; the next evaluation applies them."""
    scheme = TierScheme.objects.select_for_update().get(pk=scheme.pk)
    fields = ["name", "measure", "basis", "grace_months"]
    before = {field: getattr(scheme, field) for field in fields}
    scheme.name, scheme.measure, scheme.basis = name, measure, basis
    scheme.grace_months = grace_months
    scheme.full_clean()
    scheme.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=TiersAction.SCHEME_UPDATE,
        subject=scheme,
        before=before,
        after={field: getattr(scheme, field) for field in fields},
    )
    return scheme


@transaction.atomic
def scheme_copy(*, actor, scheme: TierScheme) -> TierScheme:
    """A new scheme (not in force) with the settings and tiers of ``scheme``, to change
    and then put in force."""
    number = TierScheme.objects.count() + 1
    while TierScheme.objects.filter(code=f"{scheme.code}-{number}").exists():
        number += 1
    return scheme_create(
        actor=actor,
        code=f"{scheme.code}-{number}",
        name=_("%(name)s（副本）") % {"name": scheme.name},
        measure=scheme.measure,
        basis=scheme.basis,
        grace_months=scheme.grace_months,
        tiers=[
            TierData(
                code=tier.code,
                name=tier.name,
                name_en=tier.name_en,
                min_aum=tier.min_aum,
                responsible_role=tier.responsible_role,
                requires_manager=tier.requires_manager,
                contact_interval_days=tier.contact_interval_days,
            )
            for tier in scheme.tiers.all()
        ],
    )


def _ensure_not_in_force(scheme: TierScheme) -> None:
    if TierScheme.objects.filter(pk=scheme.pk, in_force=True).exists():
        raise TierError(
            _("生效中的方案不能增删等级；请复制为新方案，修改后再启用。"), code="in_force"
        )


def _rerank(scheme: TierScheme) -> None:
    """Ranks in the order of the lower bounds (two steps: ranks are unique)."""
    tiers = list(Tier.objects.filter(scheme=scheme).order_by("min_aum"))
    for offset, tier in enumerate(tiers):
        Tier.objects.filter(pk=tier.pk).update(rank=1000 + offset)
    for rank, tier in enumerate(tiers, start=1):
        Tier.objects.filter(pk=tier.pk).update(rank=rank)


@transaction.atomic
def tier_add(*, actor, scheme: TierScheme, data: TierData) -> Tier:
    """A new tier in a scheme that is not in force, ranked by its lower bound."""
    scheme = TierScheme.objects.select_for_update().get(pk=scheme.pk)
    _ensure_not_in_force(scheme)
    if scheme.tiers.filter(min_aum=data.min_aum).exists():
        raise TierError({"min_aum_wan": _("各等级的资产下限不能相同。")}, code="same_bound")
    if scheme.tiers.filter(code=data.code).exists():
        raise TierError({"code": _("该方案已有此等级代码。")}, code="same_code")
    tier = Tier(scheme=scheme, rank=scheme.tiers.count() + 1000, **data.__dict__)
    tier.full_clean()
    tier.save()
    _rerank(scheme)
    audit_record(
        actor=actor,
        action=TiersAction.TIER_ADD,
        subject=scheme,
        after={"code": data.code, "min_aum": str(data.min_aum)},
    )
    return Tier.objects.get(pk=tier.pk)


@transaction.atomic
def tier_remove(*, actor, tier: Tier) -> None:
    scheme = TierScheme.objects.select_for_update().get(pk=tier.scheme_id)
    _ensure_not_in_force(scheme)
    if scheme.tiers.count() == 1:
        raise TierError(_("方案至少要有一个等级。"), code="last_tier")
    code = tier.code
    tier.delete()
    _rerank(scheme)
    audit_record(actor=actor, action=TiersAction.TIER_REMOVE, subject=scheme, before={"code": code})
