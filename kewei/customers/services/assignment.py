"""Who looks after a customer: the rule for a responsible manager (enforced here as on
every form), assignment periods, one customer's or many customers' assignment, and the
hand-over of a whole book."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.core.bulk import bulk_insert
from kewei.core.registry import Registry
from kewei.core.scope import current_scope
from kewei.customers.actions import CustomersAction
from kewei.customers.models import Customer, CustomerAssignment, customer_department_paths
from kewei.customers.services.errors import CustomerError
from kewei.organisation.models import Staff


def _manager_refused(message: str, code: str) -> CustomerError:
    """A refused responsible manager, named by field (its code kept for callers)."""
    error = CustomerError({"responsible_manager": ValidationError(message, code=code)})
    error.code = code
    return error


def ensure_assignable(managers: Iterable[Staff | None]) -> None:
    """Refuse any of ``managers`` who may not be a customer's responsible manager: the
    rule is ``selectors.assignable_managers`` (one query for all of them), and the
    error says why (out of reach, left, or neither manager, supervisor nor outlet head,
    or a system's API account). None (nobody) passes."""
    from kewei.customers.selectors import assignable_managers  # it imports this module

    given = {manager.pk: manager for manager in managers if manager is not None}
    if not given:
        return
    allowed = set(assignable_managers().filter(pk__in=given).values_list("pk", flat=True))
    paths = customer_department_paths()
    for pk, manager in given.items():
        if pk in allowed:
            continue
        if not any(manager.department.path.startswith(p) for p in paths):
            raise _manager_refused(
                _("%(staff)s 不在您负责的机构范围内，不能接收客户。") % {"staff": manager},
                "target_out_of_scope",
            )
        if not manager.is_active:
            raise _manager_refused(
                _("%(staff)s 已离职，不能分配客户。") % {"staff": manager}, "manager_inactive"
            )
        raise _manager_refused(
            _(
                "%(staff)s 不能担任客户经理：须为客户经理、客户经理主管或网点负责人"
                "（系统接口账号不能）。"
            )
            % {"staff": manager},
            "not_assignable",
        )


def open_assignments(
    pairs: Iterable[tuple[int, int | None]], *, at: dt.datetime, actor, reason: str
) -> None:
    """An assignment period from ``at`` for each (customer id, manager id), in one
    set-based insert; a manager of None opens none."""
    bulk_insert(
        CustomerAssignment,
        ["customer_id", "manager_id", "started_at", "assigned_by_id", "reason"],
        (
            (customer_id, manager_id, at, getattr(actor, "pk", None), reason)
            for customer_id, manager_id in pairs
            if manager_id is not None
        ),
    )


def reassign(
    pairs: Sequence[tuple[int, int | None]], *, at: dt.datetime, actor, reason: str
) -> None:
    """For each (customer id, manager id), the customer's open assignment period ends at
    ``at`` and one with the manager begins (a manager of None: none begins)."""
    CustomerAssignment.objects.unrestricted().filter(
        customer_id__in=[customer_id for customer_id, _manager in pairs], ended_at__isnull=True
    ).update(ended_at=at)
    open_assignments(pairs, at=at, actor=actor, reason=reason)


def reassign_customer(customer: Customer, manager: Staff | None, *, actor, reason: str) -> None:
    """:func:`reassign` of one customer, from now."""
    pair = (customer.pk, manager.pk if manager is not None else None)
    reassign([pair], at=timezone.now(), actor=actor, reason=reason)


# Other apps add reasons why a customer must have a responsible manager (the tiers: a
# customer of VIP tier or above); each is ``(customer) -> bool``.
manager_requirements: Registry[Callable[[Customer], bool]] = Registry("manager requirement")


def register_manager_requirement(check: Callable[[Customer], bool]) -> None:
    manager_requirements.add(f"{check.__module__}.{check.__qualname__}", check)


def needs_manager(customer: Customer) -> bool:
    """人户合一: a customer flagged VIP by hand, or of a tier that needs a manager."""
    return customer.vip_flag or any(check(customer) for check in manager_requirements.entries())


@transaction.atomic
def customer_assign(
    *, actor, customer: Customer, manager: Staff | None, reason: str = ""
) -> Customer:
    """Make ``manager`` responsible for the customer (None: nobody, refused for VIPs)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if manager is None and needs_manager(customer):
        raise CustomerError(
            _("贵宾客户必须有客户经理（人户合一），不能取消分配。"), code="vip_needs_manager"
        )
    ensure_assignable([manager])
    if customer.responsible_manager_id == (manager.pk if manager else None):
        return customer
    before = snapshot(customer, ["responsible_manager"])
    customer.responsible_manager = manager
    customer.updated_at = timezone.now()
    customer.save(update_fields=["responsible_manager", "updated_at"])
    reassign_customer(customer, manager, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_ASSIGN,
        subject=customer,
        before=before,
        after=snapshot(customer, ["responsible_manager"]),
        note=reason,
    )
    return customer


def balanced_plan(
    customers: Iterable[tuple[int, Decimal]],
    manager_ids: Sequence[int],
    totals: Mapping[int, Decimal] | None = None,
) -> list[tuple[int, int]]:
    """Who goes to whom so that the books stay balanced: ``customers`` (id, assets),
    largest first, each given to the manager whose assets so far (``totals``: what
    their books already hold) are smallest. Returns ``[(customer_id, manager_id), ...]``."""
    sums = {pk: Decimal(0) for pk in manager_ids}
    for pk, total in (totals or {}).items():
        if pk in sums:
            sums[pk] = Decimal(total or 0)
    plan = []
    for customer_id, aum in customers:
        target = min(sums, key=lambda pk: (sums[pk], pk))
        sums[target] += aum or 0
        plan.append((customer_id, target))
    return plan


def book_transfer_plan(
    *, from_manager: Staff, to_managers: Sequence[Staff]
) -> list[tuple[int, int]]:
    """Who goes where when a manager's book is handed over: customers sorted by assets,
    each given to the colleague whose share of assets is smallest so far."""
    if not to_managers:
        raise CustomerError(_("请至少选择一位接收的客户经理。"), code="no_target")
    if any(m.pk == from_manager.pk for m in to_managers):
        raise CustomerError(_("接收人不能是移交人本人。"), code="self_transfer")
    book = Customer.objects.filter(responsible_manager=from_manager).order_by("-assets__aum", "pk")
    return balanced_plan(
        book.values_list("pk", "assets__aum").iterator(chunk_size=5000),
        [manager.pk for manager in to_managers],
    )


def _assign_many(*, actor, plan: Sequence[tuple[int, int]], reason: str) -> dict[int, list[int]]:
    """Apply ``[(customer_id, manager_id), ...]`` with one statement per manager, closing
    the customers' open assignment periods and opening new ones; then check that the
    customers are still in the user's scope. Returns ``{manager_id: [customer_id]}``."""
    by_target: dict[int, list[int]] = {}
    for customer_id, target in plan:
        by_target.setdefault(target, []).append(customer_id)
    now = timezone.now()
    moved = [customer_id for customer_id, _target in plan]
    for target, customer_ids in by_target.items():
        Customer.objects.unrestricted().filter(pk__in=customer_ids).update(
            responsible_manager_id=target, updated_at=now
        )
    reassign(plan, at=now, actor=actor, reason=reason)
    scope = current_scope()
    still_visible = (
        Customer.objects.unrestricted().restrict(scope).filter(pk__in=moved).count()
        if scope is not None
        else len(moved)
    )
    if still_visible != len(moved):
        raise PermissionDenied(_("分配后部分客户将超出您的数据权限范围。"))
    return by_target


@transaction.atomic
def book_transfer(
    *, actor, from_manager: Staff, to_managers: Sequence[Staff], reason: str
) -> dict[int, int]:
    """Hand a whole book over in one action; returns ``{manager_id: customers}``."""
    ensure_assignable(to_managers)
    plan = book_transfer_plan(from_manager=from_manager, to_managers=to_managers)
    by_target = _assign_many(actor=actor, plan=plan, reason=reason)
    audit_record(
        actor=actor,
        action=CustomersAction.BOOK_TRANSFER,
        subject=from_manager,
        after={"to": {str(t): len(ids) for t, ids in by_target.items()}},
        note=reason,
    )
    return {target: len(ids) for target, ids in by_target.items()}


@transaction.atomic
def customers_assign(*, actor, plan: Sequence[tuple[int, int]], reason: str) -> dict[int, int]:
    """Assign many customers at once (for example those waiting for a manager after
    reaching a tier): ``plan`` is ``[(customer_id, manager_id), ...]``, every customer
    in the user's scope. Returns ``{manager_id: customers}``."""
    if not plan:
        raise CustomerError(_("请选择要分配的客户。"), code="nothing_selected")
    managers = Staff.objects.filter(pk__in={target for _customer, target in plan})
    if len(managers) != len({target for _customer, target in plan}):
        raise CustomerError(_("所选客户经理不在您的管理范围内。"), code="target_out_of_scope")
    ensure_assignable(managers)
    customer_ids = [customer_id for customer_id, _target in plan]
    if Customer.objects.filter(pk__in=customer_ids).count() != len(set(customer_ids)):
        raise PermissionDenied(_("部分客户不在您的数据权限范围内。"))
    by_target = _assign_many(actor=actor, plan=plan, reason=reason)
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_ASSIGN_MANY,
        after={"to": {str(t): len(ids) for t, ids in by_target.items()}},
        note=reason,
    )
    return {target: len(ids) for target, ids in by_target.items()}
