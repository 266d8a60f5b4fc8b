"""Writes to the customer archive. Every write validates, runs in one transaction and
leaves an audit event whose before/after values have personal data masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring_ascii

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.core import crypto
from kewei.core.bulk import bulk_insert, inserted_ids
from kewei.core.masking import mask_address
from kewei.core.models import reserve_numbers
from kewei.core.scope import current_scope
from kewei.customers.identity import given_name, name_pinyin
from kewei.customers.models import (
    Consent,
    ConsentChannel,
    Customer,
    CustomerAssets,
    CustomerAssignment,
    CustomerProfile,
    CustomerRelationship,
    CustomerStatus,
    FamilyMember,
    Household,
    Referral,
    RelationshipKind,
    Tag,
    customer_department_paths,
)
from kewei.customers.services.derived import (  # noqa: F401  (re-exported)
    open_assets,
    open_empty_assets,
    sync_aum_wan,
    wan_sql,
)
from kewei.customers.validation import CustomerData
from kewei.organisation.models import Staff

CUSTOMER_FIELDS = (
    "customer_number",
    "name",
    "gender",
    "id_type",
    "id_number",
    "birthday",
    "mobile",
    "address",
    "email",
    "department",
    "responsible_manager",
    "vip_flag",
    "source",
    "status",
)
ID_PURPOSE, MOBILE_PURPOSE = "id_number", "mobile"


class CustomerError(ValidationError):
    """A change to the archive that its rules refuse; the message is shown as it is."""


def identity_index(id_type: str, id_number: str) -> str:
    return crypto.blind_index(f"{id_type}:{id_number}", ID_PURPOSE)


def mobile_index(mobile: str) -> str:
    return crypto.blind_index(mobile, MOBILE_PURPOSE)


# The columns of CUSTOMER_FIELDS (a foreign key's id), in their order.
COMPARED_COLUMNS = tuple(Customer._meta.get_field(name).attname for name in CUSTOMER_FIELDS)


def comparable(customer: Customer) -> tuple:
    """The basic information in clear, to tell whether an edit changes anything."""
    return tuple(getattr(customer, attname) for attname in COMPARED_COLUMNS)


def customer_number_block(count: int) -> list[str]:
    return [f"C{number:011d}" for number in reserve_numbers("customer_number", count)]


def apply_data(customer: Customer, data: CustomerData) -> None:
    """Copy validated data onto a customer, with the derived columns."""
    customer.name = data.name
    customer.name_pinyin, customer.name_initials = name_pinyin(data.name)
    customer.given_name = given_name(data.name)
    customer.gender = data.gender
    customer.id_type = data.id_type
    customer.id_number = data.id_number
    customer.id_number_index = identity_index(data.id_type, data.id_number)
    customer.birthday = data.birthday
    customer.birth_month, customer.birth_day = data.birthday.month, data.birthday.day
    customer.mobile = data.mobile
    customer.mobile_index = mobile_index(data.mobile)
    customer.mobile_last4 = data.mobile[-4:]
    customer.address = data.address
    customer.address_district = mask_address(data.address)
    customer.email = data.email
    customer.department = data.department
    customer.responsible_manager = data.responsible_manager
    customer.vip_flag = data.vip_flag
    customer.source = data.source


INSERT_COLUMNS = (
    "customer_number",
    "name",
    "name_pinyin",
    "name_initials",
    "given_name",
    "gender",
    "id_type",
    "id_number",
    "id_number_index",
    "birthday",
    "birth_month",
    "birth_day",
    "mobile",
    "mobile_index",
    "mobile_last4",
    "address",
    "address_district",
    "email",
    "department_id",
    "responsible_manager_id",
    "vip_flag",
    "tier",
    "source",
    "status",
    "created_at",
    "updated_at",
)
# The columns insert_row gives in database form (encrypted; a date as ISO text; a
# boolean; the timestamps as the caller converted them), which bulk_insert passes on.
PREPARED_COLUMNS = (
    "id_number",
    "mobile",
    "address",
    "email",
    "birthday",
    "vip_flag",
    "created_at",
    "updated_at",
)


# A choice (an enum member) as plain text. The SQLite driver binds a str subclass only
# after looking for an adapter for it, which costs as much as binding five plain values.
_plain = str.__str__
_ACTIVE = _plain(CustomerStatus.ACTIVE)


def insert_row(
    data: CustomerData, *, number: str, manager_id: int | None, now, index: str | None = None
) -> tuple:
    """The row of a new customer for :func:`kewei.core.bulk.bulk_insert` (INSERT_COLUMNS,
    PREPARED_COLUMNS in database form: ``now`` is given as ``bulk.db_value`` converts
    it), with personal fields encrypted and the derived columns computed: what
    :func:`apply_data` does for one model instance, for a million rows."""
    full, initials = name_pinyin(data.name)
    return (
        number,
        data.name,
        full,
        initials,
        given_name(data.name),
        _plain(data.gender),
        _plain(data.id_type),
        crypto.encrypt(data.id_number),
        index or identity_index(data.id_type, data.id_number),
        data.birthday.isoformat(),
        data.birthday.month,
        data.birthday.day,
        crypto.encrypt(data.mobile),
        mobile_index(data.mobile),
        data.mobile[-4:],
        crypto.encrypt(data.address),
        mask_address(data.address),
        crypto.encrypt(data.email) if data.email else "",
        data.department.pk,
        manager_id,
        data.vip_flag,
        "",
        _plain(data.source),
        _ACTIVE,
        now,
        now,
    )


_AT = {column: i for i, column in enumerate(INSERT_COLUMNS)}


def personal_values(data: CustomerData) -> tuple[str, str, str, str]:
    """The personal fields that :func:`insert_row` encrypts, in clear: ID number,
    mobile, address, e-mail."""
    return (data.id_number, data.mobile, data.address, data.email)


def comparable_row(row: tuple, personal: tuple, *, customer_number: str, status: str) -> tuple:
    """What :func:`comparable` gives for a customer once the row of :func:`insert_row`
    is applied to it (its number and status stay), with the row's encrypted fields given
    in clear (:func:`personal_values`): whether an import's row changes a customer, told
    without loading the customer or decrypting anything."""
    id_number, mobile, address, email = personal
    return (
        customer_number,
        row[_AT["name"]],
        row[_AT["gender"]],
        row[_AT["id_type"]],
        id_number,
        dt.date.fromisoformat(row[_AT["birthday"]]),
        mobile,
        address,
        email,
        row[_AT["department_id"]],
        row[_AT["responsible_manager_id"]],
        row[_AT["vip_flag"]],
        row[_AT["source"]],
        status,
    )


def insert_customers(rows: Sequence[tuple]) -> dict[str, int]:
    """New customers from rows of :func:`insert_row` (with their numbers), in one
    set-based insert; returns their ids by customer number."""
    bulk_insert(Customer, INSERT_COLUMNS, rows, prepared=PREPARED_COLUMNS)
    return inserted_ids(Customer, "customer_number", [row[0] for row in rows])


def _created_entries(*fields: str) -> str:
    return ", ".join(f'"{name}": {{"before": null, "after": %s}}' for name in fields)


# A new customer's audit diff as the JSON text ``json.dumps(diff(None, snapshot(...)))``
# gives: the fields sorted, the manager left out when there is none; two parts around
# the customer number, which the import gives only once the rows are prepared.
_CREATED_HEAD = "{" + _created_entries("address", "birthday") + ", "
_CREATED_TAIL = {
    with_manager: ", "
    + _created_entries(
        "department",
        "email",
        "gender",
        "id_number",
        "id_type",
        "mobile",
        "name",
        *(("responsible_manager",) if with_manager else ()),
        "source",
        "status",
        "vip_flag",
    )
    + "}"
    for with_manager in (True, False)
}
_json_text = encode_basestring_ascii  # text as json.dumps writes it, in ASCII


def created_changes_text(data: CustomerData, *, manager_id: int | None) -> tuple[str, str]:
    """The audit diff of a new customer as the JSON text the audit trail stores, built
    from the data without a model instance, in two parts around the customer number
    (:func:`numbered_changes_text`). Filled into a template, not serialised: the bulk
    import builds one for every row, and ``json.dumps`` of a dict cost four times as
    much."""
    masks = Customer.audit_masks
    head = _CREATED_HEAD % (
        _json_text(masks["address"](data.address)),
        _json_text(data.birthday.isoformat()),
    )
    tail = [
        data.department.pk,
        _json_text(masks["email"](data.email)),
        _json_text(data.gender),
        _json_text(masks["id_number"](data.id_number)),
        _json_text(data.id_type),
        _json_text(masks["mobile"](data.mobile)),
        _json_text(data.name),
    ]
    if manager_id is not None:
        tail.append(manager_id)
    tail += (_json_text(data.source), '"active"', "true" if data.vip_flag else "false")
    return head, _CREATED_TAIL[manager_id is not None] % tuple(tail)


def numbered_changes_text(parts: tuple[str, str], number: str) -> str:
    head, tail = parts
    return f'{head}"customer_number": {{"before": null, "after": {_json_text(number)}}}{tail}'


def existing_identity(id_type: str, id_number: str, exclude_pk: int | None = None):
    existing = (
        Customer.objects.unrestricted()
        .select_related("department")
        .filter(id_type=id_type, id_number_index=identity_index(id_type, id_number))
    )
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    return existing.first()


def duplicate_message(existing: Customer) -> str:
    """Points to the existing record without showing more than the user may see."""
    scope = current_scope()
    if scope is None or existing.in_scope(scope):
        return _("该证件已登记为客户 %(customer)s，请勿重复建档。") % {"customer": existing}
    return _("该证件已登记为客户号 %(number)s（归属 %(department)s），请联系该机构。") % {
        "number": existing.customer_number,
        "department": existing.department.name,
    }


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


def _open_assignment(customer: Customer, manager: Staff | None, actor, reason: str) -> None:
    pair = (customer.pk, manager.pk if manager is not None else None)
    reassign([pair], at=timezone.now(), actor=actor, reason=reason)


@transaction.atomic
def customer_create(*, actor, data: CustomerData) -> Customer:
    existing = existing_identity(data.id_type, data.id_number)
    if existing is not None:
        raise CustomerError({"id_number": duplicate_message(existing)}, code="duplicate")
    ensure_assignable([data.responsible_manager])
    customer = Customer(customer_number=data.customer_number or customer_number_block(1)[0])
    apply_data(customer, data)
    customer.save(force_insert=True)
    open_empty_assets([customer.pk])
    if customer.responsible_manager_id:
        _open_assignment(customer, customer.responsible_manager, actor, _("建档"))
    audit_record(
        actor=actor,
        action="customers.customer.create",
        subject=customer,
        after=snapshot(customer, CUSTOMER_FIELDS),
    )
    customer.ensure_still_visible()
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: CustomerData) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    existing = existing_identity(data.id_type, data.id_number, exclude_pk=customer.pk)
    if existing is not None:
        raise CustomerError({"id_number": duplicate_message(existing)}, code="duplicate")
    before, unchanged = snapshot(customer, CUSTOMER_FIELDS), comparable(customer)
    previous_manager = customer.responsible_manager_id
    manager = data.responsible_manager
    if (manager.pk if manager is not None else None) != previous_manager:
        ensure_assignable([manager])
    apply_data(customer, data)
    if comparable(customer) == unchanged:
        return customer
    after = snapshot(customer, CUSTOMER_FIELDS)
    customer.updated_at = timezone.now()
    customer.save()
    if customer.responsible_manager_id != previous_manager:
        _open_assignment(customer, customer.responsible_manager, actor, _("修改客户信息"))
    audit_record(
        actor=actor,
        action="customers.customer.update",
        subject=customer,
        before=before,
        after=after,
    )
    customer.ensure_still_visible()
    return customer


def customer_contacted(*, customer_id: int, day: dt.date) -> None:
    """Record that the customer was contacted on ``day`` (a later contact already
    recorded stays)."""
    Customer.objects.unrestricted().filter(pk=customer_id).filter(
        Q(last_contacted_on__isnull=True) | Q(last_contacted_on__lt=day)
    ).update(last_contacted_on=day)


# Other apps add reasons why a customer must have a responsible manager (the tiers: a
# customer of VIP tier or above); each is ``(customer) -> bool``.
_manager_requirements: list[Callable[[Customer], bool]] = []


def register_manager_requirement(check: Callable[[Customer], bool]) -> None:
    _manager_requirements.append(check)


def needs_manager(customer: Customer) -> bool:
    """人户合一: a customer flagged VIP by hand, or of a tier that needs a manager."""
    return customer.vip_flag or any(check(customer) for check in _manager_requirements)


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
    _open_assignment(customer, manager, actor, reason)
    audit_record(
        actor=actor,
        action="customers.customer.assign",
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
        action="customers.book.transfer",
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
        action="customers.customer.assign_many",
        after={"to": {str(t): len(ids) for t, ids in by_target.items()}},
        note=reason,
    )
    return {target: len(ids) for target, ids in by_target.items()}


@transaction.atomic
def consent_record(
    *, actor, customer: Customer, channel: str, granted: bool, source: str = ""
) -> Consent:
    if channel not in ConsentChannel.values:
        raise CustomerError(_("未知的渠道"), code="unknown_channel")
    consent = Consent.objects.create(
        customer=customer,
        channel=channel,
        granted=granted,
        source=source,
        recorded_by=actor if actor else None,
    )
    audit_record(
        actor=actor,
        action="customers.consent.record",
        subject=customer,
        after={"channel": channel, "granted": granted, "source": source},
    )
    return consent


@transaction.atomic
def family_member_add(
    *,
    actor,
    customer: Customer,
    relation: str,
    name: str,
    birthday: dt.date | None = None,
    schooling: str = "",
    notes: str = "",
) -> FamilyMember:
    member = FamilyMember(
        customer=customer,
        relation=relation,
        name=name.strip(),
        birthday=birthday,
        schooling=schooling,
        notes=notes,
    )
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        action="customers.family.add",
        subject=customer,
        after={
            "relation": relation,
            "name": member.name,
            "birthday": birthday.isoformat() if birthday else None,
        },
    )
    return member


@transaction.atomic
def family_member_remove(*, actor, member: FamilyMember) -> None:
    customer = member.customer
    before = {"relation": member.relation, "name": member.name}
    member.delete()
    audit_record(actor=actor, action="customers.family.remove", subject=customer, before=before)


@transaction.atomic
def relationship_add(
    *, actor, customer: Customer, other: Customer, kind: str
) -> CustomerRelationship:
    if customer.pk == other.pk:
        raise CustomerError(_("不能与自己建立关系。"), code="self_relationship")
    if kind not in RelationshipKind.values:
        raise CustomerError(_("未知的关系类型"), code="unknown_kind")
    relationship, created = CustomerRelationship.objects.unrestricted().get_or_create(
        customer=customer, other=other, kind=kind
    )
    if created:
        audit_record(
            actor=actor,
            action="customers.relationship.add",
            subject=customer,
            after={"other": other.pk, "kind": kind},
        )
    return relationship


@transaction.atomic
def tags_set(*, actor, customer: Customer, names: Iterable[str]) -> list[Tag]:
    wanted = sorted({name.strip() for name in names if name.strip()})
    before = sorted(customer.tags.values_list("name", flat=True))
    if wanted == before:
        return list(customer.tags.all())
    tags = [Tag.objects.get_or_create(name=name[:30])[0] for name in wanted]
    customer.tags.set(tags)
    audit_record(
        actor=actor,
        action="customers.tags.set",
        subject=customer,
        before={"tags": before},
        after={"tags": wanted},
    )
    return tags


@transaction.atomic
def household_join(*, actor, customer: Customer, other: Customer, name: str = "") -> Household:
    """Put ``customer`` in ``other``'s household (created if ``other`` has none)."""
    other = Customer.objects.select_for_update().get(pk=other.pk)
    household = other.household
    if household is None:
        household = Household.objects.create(name=name or _("%(name)s家") % {"name": other.name})
        Customer.objects.unrestricted().filter(pk=other.pk).update(household=household)
    before = snapshot(customer, ["household"])
    Customer.objects.unrestricted().filter(pk=customer.pk).update(household=household)
    customer.household = household
    audit_record(
        actor=actor,
        action="customers.household.join",
        subject=customer,
        before=before,
        after=snapshot(customer, ["household"]),
    )
    return household


@transaction.atomic
def referral_record(
    *,
    actor,
    customer: Customer,
    referred_on: dt.date,
    referrer_customer: Customer | None = None,
    referrer_staff: Staff | None = None,
    channel: str = "",
) -> Referral:
    if referrer_customer is None and referrer_staff is None:
        raise CustomerError(_("请指定推荐人。"), code="no_referrer")
    if referrer_customer is not None and referrer_customer.pk == customer.pk:
        raise CustomerError(_("客户不能推荐自己。"), code="self_referral")
    if Referral.objects.unrestricted().filter(customer=customer).exists():
        raise CustomerError(_("该客户已有推荐记录。"), code="already_referred")
    referral = Referral.objects.create(
        customer=customer,
        referrer_customer=referrer_customer,
        referrer_staff=referrer_staff,
        referred_on=referred_on,
        channel=channel,
    )
    audit_record(
        actor=actor,
        action="customers.referral.record",
        subject=customer,
        after={
            "referrer_customer": getattr(referrer_customer, "pk", None),
            "referrer_staff": getattr(referrer_staff, "pk", None),
            "referred_on": referred_on.isoformat(),
        },
    )
    return referral


REVEALABLE = {"id_number", "mobile", "address", "email"}


@transaction.atomic
def customer_reveal(*, actor, customer: Customer, field: str, reason: str) -> str:
    """The full value of a personal field, for a user with the reveal permission who gave
    a reason. Every reveal is audited (who, which customer, which field, why)."""
    if field not in REVEALABLE:
        raise CustomerError(_("该字段不可查看。"), code="not_revealable")
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError(_("请填写查看原因。"), code="reason_required")
    audit_record(
        actor=actor,
        action="customers.customer.reveal",
        subject=customer,
        after={"field": field},
        note=reason.strip(),
    )
    return getattr(customer, field)


@transaction.atomic
def customers_reveal(*, actor, customers: Iterable[Customer], reason: str) -> None:
    """Audit showing every personal field of ``customers`` in full (the API's reveal,
    one audit row per customer, with the reason)."""
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError({"reason": _("请填写查看原因。")}, code="reason_required")
    for customer in customers:
        audit_record(
            actor=actor,
            action="customers.customer.reveal",
            subject=customer,
            after={"field": sorted(REVEALABLE)},
            note=reason.strip(),
        )


@transaction.atomic
def customers_export_reveal(*, actor, count: int, reason: str, criteria: dict) -> None:
    """Audit an export with personal fields in full: a reveal of every field of
    ``count`` customers (the search ``criteria``), with the reason. One row for the
    export, written before the file is, so no unmasked file exists unaudited."""
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError({"reason": _("请填写查看原因。")}, code="reason_required")
    audit_record(
        actor=actor,
        action="customers.customer.reveal",
        after={
            "field": sorted(REVEALABLE),
            "export": "customers.export",
            "count": count,
            "query": criteria,
        },
        note=reason.strip(),
    )


# Apps that attach data to customers register how to move it when two records merge.
MergeHandler = Callable[[Customer, Customer], int]
_merge_handlers: list[tuple[str, MergeHandler]] = []


def register_merge_handler(name: str, handler: MergeHandler) -> None:
    if all(existing != name for existing, _handler in _merge_handlers):
        _merge_handlers.append((name, handler))


def _move_customer_parts(keep: Customer, duplicate: Customer) -> int:
    moved = 0
    for model in (FamilyMember, Consent, CustomerAssignment):
        moved += model.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    # Relationships: repoint both ends, dropping the ones keep already has.
    for relationship in CustomerRelationship.objects.unrestricted().filter(customer=duplicate):
        other = keep if relationship.other_id == keep.pk else relationship.other
        if other.pk != keep.pk:
            CustomerRelationship.objects.unrestricted().get_or_create(
                customer=keep, other=other, kind=relationship.kind
            )
        relationship.delete()
        moved += 1
    for relationship in CustomerRelationship.objects.unrestricted().filter(other=duplicate):
        if relationship.customer_id != keep.pk:
            CustomerRelationship.objects.unrestricted().get_or_create(
                customer=relationship.customer, other=keep, kind=relationship.kind
            )
        relationship.delete()
        moved += 1
    moved += (
        Referral.objects.unrestricted()
        .filter(referrer_customer=duplicate)
        .update(referrer_customer=keep)
    )
    if not Referral.objects.unrestricted().filter(customer=keep).exists():
        moved += Referral.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    keep.tags.add(*duplicate.tags.all())
    return moved


register_merge_handler("customers", _move_customer_parts)


@transaction.atomic
def customer_merge(*, actor, keep: Customer, duplicate: Customer, reason: str = "") -> Customer:
    """Merge two records of the same person: everything attached to ``duplicate``
    (holdings, points, contacts, complaints, relationships ...) moves to ``keep``;
    ``duplicate`` stays, marked merged, so its history can still be found."""
    if not actor.has_perm("customers.merge_customer"):
        raise PermissionDenied(_("您没有合并客户的权限。"))
    if keep.pk == duplicate.pk:
        raise CustomerError(_("不能与自身合并。"), code="merge_self")
    first, second = sorted([keep.pk, duplicate.pk])
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[first, second])}
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if CustomerStatus.MERGED in (keep.status, duplicate.status):
        raise CustomerError(_("已合并的客户不能再次合并。"), code="already_merged")
    counts = {name: handler(keep, duplicate) for name, handler in _merge_handlers}
    if keep.household_id is None and duplicate.household_id is not None:
        keep.household_id = duplicate.household_id
    if keep.responsible_manager_id is None and duplicate.responsible_manager_id:
        keep.responsible_manager_id = duplicate.responsible_manager_id
    keep.vip_flag = keep.vip_flag or duplicate.vip_flag
    contacted = [d for d in (keep.last_contacted_on, duplicate.last_contacted_on) if d]
    keep.last_contacted_on = max(contacted, default=None)
    # The duplicate's holdings moved to ``keep``; so do the assets they make up.
    assets = CustomerAssets.objects.unrestricted()
    assets.filter(customer=keep).update(aum=F("aum") + duplicate.aum)
    assets.filter(customer=duplicate).update(aum=0)
    keep.updated_at = timezone.now()
    keep.save()
    duplicate.status = CustomerStatus.MERGED
    duplicate.merged_into = keep
    duplicate.responsible_manager = None
    duplicate.vip_flag = False
    duplicate.household = None
    duplicate.updated_at = timezone.now()
    duplicate.save()
    sync_aum_wan([keep.pk, duplicate.pk])  # after the saves, which write the old copy
    duplicate.tags.clear()
    audit_record(
        actor=actor,
        action="customers.customer.merge",
        subject=keep,
        after={"merged": duplicate.pk, "moved": counts},
        note=reason,
    )
    audit_record(
        actor=actor,
        action="customers.customer.merged_into",
        subject=duplicate,
        after={"merged_into": keep.pk},
        note=reason,
    )
    return keep


PROFILE_FIELDS = (
    "education_level",
    "schools",
    "training",
    "employer",
    "position",
    "industry",
    "career_stage",
    "income_band",
    "lifestyle",
    "notes",
)


@transaction.atomic
def profile_update(*, actor, customer: Customer, values: dict) -> None:
    profile, _created = CustomerProfile.objects.unrestricted().get_or_create(customer=customer)
    before = snapshot(profile, PROFILE_FIELDS)
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name] or "")
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    after = snapshot(profile, PROFILE_FIELDS)
    if before != after:
        audit_record(
            actor=actor,
            action="customers.profile.update",
            subject=customer,
            before=before,
            after=after,
        )
