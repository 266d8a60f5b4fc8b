"""Gifts, redemptions at the counter (积分兑换) and manual adjustments: the writes that
touch one customer's points at a time.

Every operation locks the customer's points account first (one row, ``SELECT ... FOR
UPDATE``), so operations on the same customer run one after the other; a gift's stock
is decremented with one conditional ``UPDATE ... WHERE stock >= n``, so it never goes
below zero whatever arrives at the same moment. Points are spent from the lots that
expire first, and each spend records its lots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.audit.services import audit_record
from kewei.organisation.models import DepartmentLevel
from kewei.points.actions import PointsAction
from kewei.points.models import (
    Adjustment,
    AdjustmentStatus,
    EntryKind,
    Gift,
    GiftStatus,
    PointsAccount,
    PointsEntry,
    PointsLot,
    PointsSpend,
    Redemption,
    RedemptionStatus,
    StockKind,
    StockMovement,
)
from kewei.points.selectors import expiry_for, policy_for, redemption_outlets
from kewei.points.services import lock_accounts


class RedemptionError(ValidationError):
    """A redemption, cancellation or adjustment that the rules refuse (shown as is)."""


def _today() -> dt.date:
    return timezone.localdate()


def spendable_points(customer, on: dt.date) -> int:
    """Points the customer can spend on ``on``: lots not yet past their last day."""
    return (
        PointsLot.objects.unrestricted()
        .filter(customer=customer, remaining__gt=0, expires_on__gte=on)
        .aggregate(total=Sum("remaining"))["total"]
        or 0
    )


def _spend(entry: PointsEntry, customer, points: int, on: dt.date) -> None:
    """Take ``points`` from the customer's lots, the one that expires first first, and
    record each lot taken from. The caller holds the account's lock."""
    lots = (
        PointsLot.objects.unrestricted()
        .select_for_update()
        .filter(customer=customer, remaining__gt=0, expires_on__gte=on)
        .order_by("expires_on")
    )
    left = points
    for lot in lots:
        taken = min(lot.remaining, left)
        PointsSpend.objects.create(entry=entry, lot=lot, points=taken)
        PointsLot.objects.unrestricted().filter(pk=lot.pk).update(remaining=F("remaining") - taken)
        left -= taken
        if left == 0:
            return
    raise RedemptionError(_("积分不足。"), code="insufficient_points")  # caller checked first


def _add_to_lot(customer, expires_on: dt.date, points: int) -> None:
    lot, _created = PointsLot.objects.unrestricted().get_or_create(
        customer=customer, expires_on=expires_on
    )
    PointsLot.objects.unrestricted().filter(pk=lot.pk).update(
        earned=F("earned") + points, remaining=F("remaining") + points
    )


def _change_balance(account: PointsAccount, points: int) -> None:
    PointsAccount.objects.unrestricted().filter(pk=account.pk).update(
        balance=F("balance") + points, updated_at=timezone.now()
    )


# --- gifts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftData:
    code: str
    name: str
    points_price: int
    cash_price: Decimal = Decimal("0")
    per_customer_limit: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    tiers: tuple[str, ...] = ()
    outlets: tuple = ()
    description: str = ""
    picture: object = None


GIFT_FIELDS = (
    "code",
    "name",
    "points_price",
    "cash_price",
    "per_customer_limit",
    "valid_from",
    "valid_to",
    "description",
)


def _store_gift(gift: Gift, data: GiftData) -> None:
    """Write ``data`` onto ``gift`` (new or locked), validated, with its outlets."""
    for name in GIFT_FIELDS:
        setattr(gift, name, getattr(data, name))
    gift.tiers = list(data.tiers)
    if data.picture:
        gift.picture = data.picture
    if gift.valid_from and gift.valid_to and gift.valid_to < gift.valid_from:
        raise RedemptionError({"valid_to": _("兑换截止日不能早于起始日。")})
    gift.full_clean(exclude=["outlets", "stock"])
    gift.save()
    gift.outlets.set(data.outlets)


def _gift_snapshot(gift: Gift) -> dict:
    return {
        **{name: str(getattr(gift, name)) for name in GIFT_FIELDS},
        "tiers": gift.tiers,
        "outlets": sorted(gift.outlets.values_list("code", flat=True)),
        "status": gift.status,
    }


@transaction.atomic
def gift_create(*, actor, data: GiftData, opening_stock: int = 0) -> Gift:
    """A new gift of the catalogue, with its opening stock (期初库存) recorded as its
    first receipt (入库)."""
    if opening_stock < 0:
        raise RedemptionError({"opening_stock": _("期初库存不能为负数。")})
    gift = Gift()
    _store_gift(gift, data)
    audit_record(
        actor=actor,
        action=PointsAction.GIFT_CREATE,
        subject=gift,
        after={**_gift_snapshot(gift), "opening_stock": opening_stock},
    )
    if opening_stock:
        gift = gift_stock_move(
            actor=actor,
            gift=gift,
            kind=StockKind.RECEIPT,
            quantity=opening_stock,
            reason=_("期初库存"),
        )
    return gift


@transaction.atomic
def gift_update(*, actor, gift: Gift, data: GiftData) -> Gift:
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    before = _gift_snapshot(gift)
    _store_gift(gift, data)
    audit_record(
        actor=actor,
        action=PointsAction.GIFT_UPDATE,
        subject=gift,
        before=before,
        after=_gift_snapshot(gift),
    )
    return gift


@transaction.atomic
def gift_withdraw(*, actor, gift: Gift) -> Gift:
    """Take a gift off the catalogue (下架); redemptions already made stand."""
    Gift.objects.filter(pk=gift.pk).update(status=GiftStatus.WITHDRAWN)
    audit_record(actor=actor, action=PointsAction.GIFT_WITHDRAW, subject=gift)
    gift.refresh_from_db()
    return gift


@transaction.atomic
def gift_stock_move(*, actor, gift: Gift, kind: str, quantity: int, reason: str) -> Gift:
    """A receipt (入库, ``quantity`` in) or a write-off (报损, ``quantity`` out)."""
    if kind not in (StockKind.RECEIPT, StockKind.WRITE_OFF):
        raise RedemptionError(_("只能登记入库或报损。"))
    if quantity <= 0:
        raise RedemptionError({"quantity": _("数量须大于零。")})
    if kind == StockKind.WRITE_OFF and not reason.strip():
        raise RedemptionError({"reason": _("报损须说明原因。")})
    change = quantity if kind == StockKind.RECEIPT else -quantity
    moved = Gift.objects.filter(pk=gift.pk, stock__gte=-change).update(stock=F("stock") + change)
    if not moved:
        raise RedemptionError({"quantity": _("报损数量超过库存。")}, code="stock")
    StockMovement.objects.create(
        gift=gift, kind=kind, quantity=change, reason=reason.strip(), actor=actor
    )
    audit_record(
        actor=actor,
        action=PointsAction(f"points.gift.{kind}"),
        subject=gift,
        after={"quantity": change, "reason": reason.strip()},
    )
    gift.refresh_from_db()
    return gift


# --- redemption ------------------------------------------------------------------------


def _refuse(message: str, code: str) -> None:
    raise RedemptionError(message, code=code)


def _gift_outlets(gifts) -> dict[int, set[int]]:
    """The outlets each gift is handed out at (empty: every outlet). Read past the data
    scope: the caller's scope may show none of a gift's outlets (counter staff see no
    departments), which is not "every outlet"."""
    outlets: dict[int, set[int]] = {gift.pk: set() for gift in gifts}
    rows = Gift.outlets.through.objects.filter(gift__in=list(outlets)).values_list(
        "gift_id", "department_id"
    )
    for gift_id, department_id in rows:
        outlets[gift_id].add(department_id)
    return outlets


def _taken(customer, gifts) -> dict[int, int]:
    """How many of each gift the customer has redeemed (cancelled redemptions aside)."""
    rows = (
        Redemption.objects.unrestricted()
        .filter(customer=customer, gift__in=[gift.pk for gift in gifts])
        .exclude(status=RedemptionStatus.CANCELLED)
        .values("gift_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["gift_id"]: row["total"] for row in rows}


def _gift_refusal(
    gift: Gift,
    customer,
    outlet,
    quantity: int,
    *,
    on: dt.date,
    spendable: int,
    outlets: set[int],
    taken: int,
) -> RedemptionError | None:
    """Why ``customer`` cannot have ``quantity`` of ``gift`` at ``outlet`` on ``on``, or
    None when they can. The one statement of the rules: :func:`points_redeem` refuses
    with it and :func:`gifts_on_offer` lists the redeem form's gifts by it.
    ``spendable``: the customer's spendable points; ``outlets``: the gift's outlets
    (empty: all); ``taken``: how many of it the customer already has."""
    if gift.status != GiftStatus.ACTIVE:
        return RedemptionError(_("该礼品已下架。"), code="withdrawn")
    if (gift.valid_from and on < gift.valid_from) or (gift.valid_to and on > gift.valid_to):
        return RedemptionError(_("该礼品不在兑换期内。"), code="not_valid")
    if gift.tiers and customer.tier not in gift.tiers:
        return RedemptionError(_("该客户的等级不能兑换此礼品。"), code="tier")
    if outlets and outlet.pk not in outlets:
        return RedemptionError(_("该礼品不能在此网点领取。"), code="outlet")
    if gift.per_customer_limit is not None and taken + quantity > gift.per_customer_limit:
        return RedemptionError(
            _("每位客户限兑 %(n)d 件，该客户已兑 %(t)d 件。")
            % {"n": gift.per_customer_limit, "t": taken},
            code="limit",
        )
    points = gift.points_price * quantity
    if spendable < points:
        return RedemptionError(
            _("积分不足：需要 %(need)d 积分，可用 %(have)d 积分。")
            % {"need": points, "have": spendable},
            code="insufficient_points",
        )
    if gift.stock < quantity:
        return RedemptionError(_("礼品库存不足。"), code="stock")
    return None


def _outlet_refusal(actor, outlet) -> RedemptionError | None:
    """Why gifts cannot be handed out at ``outlet`` by ``actor``, or None: it must be an
    active outlet (网点) within the actor's own department (no actor: a system job,
    which may use any outlet)."""
    if outlet is None or outlet.level != DepartmentLevel.OUTLET or not outlet.is_active:
        message = _("领取机构须为启用中的网点。")
        return RedemptionError({"outlet": ValidationError(message, code="not_an_outlet")})
    if actor is not None and not redemption_outlets(actor).filter(pk=outlet.pk).exists():
        message = _("网点 %(code)s 不在您所属机构的范围内。") % {"code": outlet.code}
        return RedemptionError({"outlet": ValidationError(message, code="outlet_out_of_reach")})
    return None


# Why none of the catalogue's gifts is on offer to a customer, by refusal code, in the
# order the redeem form lists them.
NONE_ON_OFFER = {
    "not_valid": gettext_lazy("不在兑换期内：%(n)d 种"),
    "tier": gettext_lazy("不对该客户的等级开放：%(n)d 种"),
    "outlet": gettext_lazy("不能在本网点领取：%(n)d 种"),
    "limit": gettext_lazy("该客户已达每客户限兑数量：%(n)d 种"),
    "insufficient_points": gettext_lazy(
        "积分不足：%(n)d 种（最低需 %(need)d 积分，该客户可用 %(have)d 积分）"
    ),
    "stock": gettext_lazy("无库存：%(n)d 种"),
}


@dataclass(frozen=True)
class GiftsOnOffer:
    """The gifts a customer can have at an outlet today (one of each), cheapest first,
    and why the catalogue's other gifts are not among them (one line per reason)."""

    gifts: list[Gift]
    reasons: list[str]


def gifts_on_offer(*, actor, customer, outlet, on: dt.date) -> GiftsOnOffer:
    """What the redeem form offers: the active gifts that :func:`points_redeem` would
    hand ``customer`` at ``outlet`` (one of each), by the same checks, and why not the
    others."""
    refused = _outlet_refusal(actor, outlet)
    if refused is not None:
        return GiftsOnOffer(gifts=[], reasons=refused.messages)
    catalogue = list(Gift.objects.filter(status=GiftStatus.ACTIVE).order_by("points_price", "code"))
    if not catalogue:
        message = _("礼品目录中没有可兑换的礼品，请联系个金部新建或上架礼品。")
        return GiftsOnOffer(gifts=[], reasons=[message])
    spendable = spendable_points(customer, on)
    outlets, taken = _gift_outlets(catalogue), _taken(customer, catalogue)
    offered: list[Gift] = []
    refused_by: dict[str, list[Gift]] = {}
    for gift in catalogue:
        refusal = _gift_refusal(
            gift,
            customer,
            outlet,
            1,
            on=on,
            spendable=spendable,
            outlets=outlets[gift.pk],
            taken=taken.get(gift.pk, 0),
        )
        if refusal is None:
            offered.append(gift)
        else:
            refused_by.setdefault(refusal.code, []).append(gift)
    reasons = [
        str(message)
        % {
            "n": len(refused_by[code]),
            "need": min(gift.points_price for gift in refused_by[code]),
            "have": spendable,
        }
        for code, message in NONE_ON_OFFER.items()
        if code in refused_by
    ]
    return GiftsOnOffer(gifts=offered, reasons=reasons)


def _replayed(existing: Redemption, customer, gift, quantity: int, outlet) -> Redemption:
    """The earlier redemption of a key sent again: the same request answers with it; a
    different one (another gift, quantity, customer or outlet) is refused."""
    same = (existing.customer_id, existing.gift_id, existing.quantity, existing.outlet_id) == (
        customer.pk,
        gift.pk,
        quantity,
        outlet.pk,
    )
    if not same:
        _refuse(
            _("此兑换单已用于另一笔兑换（单号 %(n)s），本次未兑换；请重新打开兑换页面填写。")
            % {"n": existing.number},
            "key_reused",
        )
    return existing


def points_redeem(
    *, actor, customer, gift: Gift, quantity: int, outlet, idempotency_key: str
) -> Redemption:
    """Exchange the customer's points for ``quantity`` of ``gift`` (积分兑换), collected at
    ``outlet``. One atomic operation; a second call with the same key and the same
    request returns the first redemption and changes nothing, and with another request
    is refused (``key_reused``)."""
    if quantity <= 0:
        raise RedemptionError({"quantity": _("数量须大于零。")})
    if not idempotency_key:
        raise ValueError("a redemption needs an idempotency key")
    try:
        with transaction.atomic():
            return _redeem(actor, customer, gift, quantity, outlet, idempotency_key)
    except IntegrityError:
        # The same key committed by a concurrent request for another customer record
        # (same-customer requests queue on the account lock): answer with it.
        existing = Redemption.objects.unrestricted().filter(idempotency_key=idempotency_key)
        if existing.exists():
            return _replayed(existing.get(), customer, gift, quantity, outlet)
        raise


def _redeem(actor, customer, gift, quantity, outlet, idempotency_key) -> Redemption:
    account = lock_accounts([customer.pk])[customer.pk]
    existing = Redemption.objects.unrestricted().filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replayed(existing, customer, gift, quantity, outlet)
    refused = _outlet_refusal(actor, outlet)
    if refused is not None:
        raise refused
    on = _today()
    gift = Gift.objects.get(pk=gift.pk)
    refused = _gift_refusal(
        gift,
        customer,
        outlet,
        quantity,
        on=on,
        spendable=spendable_points(customer, on),
        outlets=_gift_outlets([gift])[gift.pk],
        taken=_taken(customer, [gift]).get(gift.pk, 0),
    )
    if refused is not None:
        raise refused
    points = gift.points_price * quantity
    # The stock read above may be stale: the conditional UPDATE decides.
    taken = Gift.objects.filter(pk=gift.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        _refuse(_("礼品库存不足。"), "stock")
    entry = PointsEntry.objects.create(
        customer=customer,
        kind=EntryKind.REDEEM,
        points=-points,
        occurred_on=on,
        reason=_("兑换礼品：%(g)s × %(n)d") % {"g": gift.name, "n": quantity},
        actor=actor,
        idempotency_key=f"redeem:{idempotency_key}",
    )
    _spend(entry, customer, points, on)
    _change_balance(account, -points)
    redemption = Redemption.objects.create(
        customer=customer,
        gift=gift,
        quantity=quantity,
        points=points,
        cash=gift.cash_price * quantity,
        outlet=outlet,
        entry=entry,
        balance_after=account.balance - points,
        idempotency_key=idempotency_key,
        created_by=actor,
    )
    StockMovement.objects.create(
        gift=gift, kind=StockKind.REDEEM, quantity=-quantity, reason=redemption.number, actor=actor
    )
    audit_record(
        actor=actor,
        action=PointsAction.REDEEM,
        subject=customer,
        after={
            "redemption": redemption.number,
            "gift": gift.code,
            "quantity": quantity,
            "points": points,
        },
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, actor, redemption: Redemption, reason: str) -> Redemption:
    """Cancel a redemption before delivery: the points go back to the lots they came
    from (with their original expiry) and the stock returns."""
    customer = redemption.customer
    account = lock_accounts([customer.pk])[customer.pk]
    redemption = Redemption.objects.unrestricted().select_for_update().get(pk=redemption.pk)
    if redemption.status != RedemptionStatus.TO_COLLECT:
        _refuse(_("礼品已交付或兑换已撤销，不能撤销。"), "not_cancellable")
    if not reason.strip():
        raise RedemptionError({"reason": _("请说明撤销原因。")})
    entry = PointsEntry.objects.create(
        customer=customer,
        kind=EntryKind.CANCEL_REDEEM,
        points=redemption.points,
        occurred_on=_today(),
        reason=_("撤销兑换 %(n)s：%(r)s") % {"n": redemption.number, "r": reason.strip()},
        document=redemption.number,
        actor=actor,
        idempotency_key=f"cancel:{redemption.pk}",
    )
    for spend in redemption.entry.spends.select_related("lot"):
        PointsSpend.objects.create(entry=entry, lot=spend.lot, points=-spend.points)
        PointsLot.objects.unrestricted().filter(pk=spend.lot_id).update(
            remaining=F("remaining") + spend.points
        )
    _change_balance(account, redemption.points)
    Gift.objects.filter(pk=redemption.gift_id).update(stock=F("stock") + redemption.quantity)
    StockMovement.objects.create(
        gift_id=redemption.gift_id,
        kind=StockKind.CANCEL,
        quantity=redemption.quantity,
        reason=redemption.number,
        actor=actor,
    )
    redemption.status = RedemptionStatus.CANCELLED
    redemption.cancel_entry = entry
    redemption.save(update_fields=["status", "cancel_entry"])
    audit_record(
        actor=actor,
        action=PointsAction.REDEEM_CANCEL,
        subject=customer,
        after={"redemption": redemption.number, "points": redemption.points},
        note=reason.strip(),
    )
    return redemption


@transaction.atomic
def redemption_deliver(*, actor, redemption: Redemption, status: str) -> Redemption:
    """Record the delivery: collected at the outlet, or sent."""
    if status not in (RedemptionStatus.COLLECTED, RedemptionStatus.SENT):
        raise ValueError(status)
    updated = (
        Redemption.objects.unrestricted()
        .filter(pk=redemption.pk, status=RedemptionStatus.TO_COLLECT)
        .update(status=status, delivered_at=timezone.now())
    )
    if not updated:
        _refuse(_("该兑换已交付或已撤销。"), "not_deliverable")
    audit_record(
        actor=actor,
        action=PointsAction.REDEEM_DELIVER,
        subject=redemption.customer,
        after={"redemption": redemption.number, "status": status},
    )
    redemption.refresh_from_db()
    return redemption


# --- manual adjustments (maker–checker) -------------------------------------------------


@transaction.atomic
def adjustment_propose(*, actor, customer, points: int, reason: str) -> Adjustment:
    if points == 0:
        raise RedemptionError({"points": _("调整积分不能为零。")})
    if not reason.strip():
        raise RedemptionError({"reason": _("请说明调整原因。")})
    adjustment = Adjustment.objects.create(
        customer=customer, points=points, reason=reason.strip(), proposed_by=actor
    )
    audit_record(
        actor=actor,
        action=PointsAction.ADJUST_PROPOSE,
        subject=customer,
        after={"adjustment": adjustment.pk, "points": points},
        note=reason.strip(),
    )
    return adjustment


def adjustment_limit() -> int:
    """Adjustments above this many points need the large-adjustment approval."""
    return settings.KEWEI_POINTS_LARGE_ADJUSTMENT


@transaction.atomic
def adjustment_decide(*, actor, adjustment: Adjustment, approve: bool, note: str = ""):
    """Approve (writes the entry) or reject a proposed adjustment. The approver must be
    someone other than the proposer, with the approval permission; above
    :func:`adjustment_limit`, with the large-adjustment permission."""
    account = lock_accounts([adjustment.customer_id])[adjustment.customer_id]
    adjustment = Adjustment.objects.unrestricted().select_for_update().get(pk=adjustment.pk)
    if adjustment.status != AdjustmentStatus.PROPOSED:
        _refuse(_("该调整已复核。"), "decided")
    if actor.pk == adjustment.proposed_by_id:
        raise PermissionDenied(_("不能复核自己提出的调整。"))
    if not actor.has_perm("points.approve_adjustment"):
        raise PermissionDenied(_("您没有复核积分调整的权限。"))
    if abs(adjustment.points) > adjustment_limit() and not actor.has_perm(
        "points.approve_large_adjustment"
    ):
        raise PermissionDenied(
            _("超过 %(n)d 积分的调整须由有大额复核权限的人员复核。") % {"n": adjustment_limit()}
        )
    adjustment.decided_by = actor
    adjustment.decided_at = timezone.now()
    adjustment.decision_note = note.strip()
    if approve:
        on = _today()
        customer = adjustment.customer
        if adjustment.points < 0 and spendable_points(customer, on) < -adjustment.points:
            _refuse(_("客户可用积分不足以扣减。"), "insufficient_points")
        entry = PointsEntry.objects.create(
            customer=customer,
            kind=EntryKind.ADJUST,
            points=adjustment.points,
            occurred_on=on,
            expires_on=expiry_for(on, policy_for(on)) if adjustment.points > 0 else None,
            reason=adjustment.reason,
            document=f"ADJ{adjustment.pk}",
            actor=actor,
            idempotency_key=f"adjust:{adjustment.pk}",
        )
        if adjustment.points > 0:
            _add_to_lot(customer, entry.expires_on, adjustment.points)
        else:
            _spend(entry, customer, -adjustment.points, on)
        _change_balance(account, adjustment.points)
        adjustment.entry = entry
        adjustment.status = AdjustmentStatus.APPROVED
    else:
        adjustment.status = AdjustmentStatus.REJECTED
    adjustment.save()
    audit_record(
        actor=actor,
        action=PointsAction.ADJUST_APPROVE if approve else PointsAction.ADJUST_REJECT,
        subject=adjustment.customer,
        after={"adjustment": adjustment.pk, "points": adjustment.points},
        note=note.strip(),
    )
    return adjustment
