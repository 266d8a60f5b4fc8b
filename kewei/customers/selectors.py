"""Reads of the customer archive: the search engine (OCRM 客户搜索) and the customer page.

Everything here goes through the scoped default managers: results never leave the
user's data scope, whatever the filters say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.core.params import MAX_ID
from kewei.core.registry import Registry
from kewei.core.scope import subtree_q
from kewei.customers.identity import IdentityError, IdType, normalise_id_number, normalise_mobile
from kewei.customers.models import (
    Consent,
    ConsentChannel,
    Customer,
    CustomerStatus,
    Tag,
    customer_department_paths,
)
from kewei.customers.services import identity_index, mobile_index
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import RESPONSIBLE_MANAGER_ROLES


def customer_departments() -> QuerySet[Department]:
    """Active departments a customer of the user's scope can belong to."""
    return (
        Department.objects.unrestricted()
        .filter(subtree_q("path", customer_department_paths()), is_active=True)
        .order_by("path")
    )


def assignable_managers() -> QuerySet[Staff]:
    """Who may be a customer's responsible manager: the one rule that the forms, the
    import, the API, the outlet head's "to assign" list and the services all apply.

    Active staff holding a role of ``RESPONSIBLE_MANAGER_ROLES`` (customer manager,
    supervisor, outlet head) in the departments whose customers the user looks after
    (``customer_department_paths``); never the staff member of an API service account
    (a system calling the API). One row per staff member (the roles are matched by a
    subquery, so annotations over the staff's book add up once)."""
    roles = Staff.groups.through.objects.filter(
        staff_id=OuterRef("pk"), group__name__in=RESPONSIBLE_MANAGER_ROLES
    )
    return (
        Staff.objects.unrestricted()
        .filter(
            Exists(roles),
            subtree_q("department__path", customer_department_paths()),
            is_active=True,
            service_account__isnull=True,
        )
        .select_related("department")
        .order_by("department__path", "employee_number")
    )


SORTS = {
    "name": ("name_pinyin", "pk"),
    # By the 万元 copy on the customer row (its indexes give a scope's customers in that
    # order), then the exact assets within the same 万元.
    "-aum": ("-aum_wan", "-assets__aum", "pk"),
    "aum": ("aum_wan", "assets__aum", "pk"),
    "birthday": ("birth_month", "birth_day", "pk"),
    "-created": ("-created_at", "-pk"),
    "number": ("customer_number",),
}
TEN_THOUSAND = Decimal(10000)


@dataclass(frozen=True)
class SearchFilter:
    """A search filter that another app adds (the analytics' segment, say): a choice
    among ``choices()`` applied by ``apply(customers, value)``."""

    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[QuerySet, str], QuerySet]


_extra_filters: Registry[SearchFilter] = Registry("customer search filter")


def register_search_filter(search_filter: SearchFilter) -> None:
    _extra_filters.add(search_filter.name, search_filter)


def extra_filters() -> list[SearchFilter]:
    return _extra_filters.entries()


@dataclass
class CustomerQuery:
    """The filters of the search engine. Every field is optional; they combine with AND.

    ``text`` is read as what it looks like: an ID number or a mobile (exact, through the
    blind index), a customer number, a mobile's last four digits (exactly four digits),
    pinyin (``zs`` or ``zhangs`` finds 张三), or the beginning of a Chinese name (or, for
    one to three characters, the given name alone: 三丰 finds 张三丰).

    An ID number or a mobile read from parameters is kept only as its blind indexes
    (``id_number_index``, ``mobile_index``): the parameters of a query, which go into
    URLs, access logs and saved searches, never carry one in clear.
    """

    text: str = ""
    # Blind indexes of an exact identity searched for: an ID number (one index per ID
    # type that accepts it) or a mobile.
    id_number_index: list[str] = field(default_factory=list)
    mobile_index: str = ""
    department: int | None = None
    manager: str = ""  # a staff id, or "none" for customers without a manager
    tier: str = ""
    aum_min_wan: Decimal | None = None  # 万元
    aum_max_wan: Decimal | None = None
    birth_month: int | None = None
    tags: list[str] = field(default_factory=list)
    vip: bool | None = None
    # Product categories held (all of them) and not held (none of them), and how many
    # categories (product coverage).
    holds: list[str] = field(default_factory=list)
    lacks: list[str] = field(default_factory=list)
    categories_min: int | None = None
    categories_max: int | None = None
    not_contacted_days: int | None = None  # no contact logged within this many days
    include_merged: bool = False
    sort: str = "-aum"
    # Filters registered by other apps (register_search_filter): name → chosen value.
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CustomerQuery:
        """Read a query from request or saved-search parameters, ignoring bad values."""

        def one(name: str) -> str:
            value = params.get(name, "")
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value).strip()

        def number(name: str, cast):
            try:
                value = cast(one(name)) if one(name) else None
            except (ValueError, InvalidOperation):
                return None
            # No database column holds a larger number (SQLite raises OverflowError).
            return value if value is None or abs(value) <= MAX_ID else None

        tags = params.getlist("tags") if hasattr(params, "getlist") else params.get("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        tags = [t.strip() for item in tags for t in re.split(r"[,，\s]+", item) if t.strip()]
        month = number("birth_month", int)
        vip = one("vip")

        def many(name: str) -> list[str]:
            values = params.getlist(name) if hasattr(params, "getlist") else params.get(name, [])
            values = [values] if isinstance(values, str) else values
            return [v for v in dict.fromkeys(str(v).strip() for v in values) if v]

        text = one("text")
        identity = identity_params(text)
        if identity is not None:
            text = ""
        else:
            identity = {
                "id_number_index": [v for v in many("id_number_index") if _INDEX.fullmatch(v)],
                "mobile_index": one("mobile_index")
                if _INDEX.fullmatch(one("mobile_index"))
                else "",
            }

        return cls(
            text=text,
            id_number_index=identity.get("id_number_index", []),
            mobile_index=identity.get("mobile_index", ""),
            department=number("department", int),
            manager=one("manager"),
            tier=one("tier"),
            aum_min_wan=number("aum_min_wan", Decimal),
            aum_max_wan=number("aum_max_wan", Decimal),
            birth_month=month if month and 1 <= month <= 12 else None,
            tags=tags,
            vip=True if vip == "1" else False if vip == "0" else None,
            holds=many("holds"),
            lacks=many("lacks"),
            categories_min=number("categories_min", int),
            categories_max=number("categories_max", int),
            not_contacted_days=number("not_contacted_days", int),
            include_merged=one("include_merged") == "1",
            sort=one("sort") if one("sort") in SORTS else "-aum",
            extra={
                f.name: one(f.name)
                for f in _extra_filters.entries()
                if one(f.name) in {str(value) for value, _label in f.choices()}
            },
        )

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value in (None, "", [], False, {}) or (item.name == "sort" and value == "-aum"):
                continue
            if item.name == "extra":
                params.update(value)
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            elif isinstance(value, Decimal):
                value = str(value)
            params[item.name] = value
        return params

    def querystring(self) -> str:
        """The query as URL parameters (for links to the search page)."""
        return urlencode(self.to_params(), doseq=True)

    def param_pairs(self) -> list[tuple[str, str]]:
        """The query as (name, value) pairs, one per value of a multi-value filter: the
        hidden fields of a form that carries the query on (save, export)."""
        return [
            (name, str(item))
            for name, value in self.to_params().items()
            for item in (value if isinstance(value, list) else [value])
        ]

    @property
    def identity_kind(self) -> str:
        """Which exact identity the query looks for by its blind index, if any."""
        return "id_number" if self.id_number_index else "mobile" if self.mobile_index else ""

    def is_empty(self) -> bool:
        return not {k: v for k, v in self.to_params().items() if k != "sort"}


_INDEX = re.compile(r"[0-9a-f]{64}")
_ID_NUMBER_TEXT = re.compile(r"\d{17}[\dX]|\d{15}")
_MOBILE_TEXT = re.compile(r"(\+?86)?1\d{10}")


def identity_params(text: str) -> dict[str, Any] | None:
    """The blind indexes of ``text`` when it is an exact identity (an ID number or a
    mobile), as query parameters; None for any other text.

    A number that no ID type (or the mobile rules) accepts gets the index of what was
    typed: it matches nobody, since every stored index is of a number that passed.
    """
    compact = re.sub(r"[\s-]+", "", text)
    upper = compact.upper()
    if _ID_NUMBER_TEXT.fullmatch(upper):
        indexes = []
        for id_type in IdType.values:
            try:
                indexes.append(identity_index(id_type, normalise_id_number(id_type, upper)))
            except IdentityError:
                continue
        return {"id_number_index": indexes or [identity_index(IdType.RESIDENT_ID, upper)]}
    if _MOBILE_TEXT.fullmatch(compact):
        try:
            return {"mobile_index": mobile_index(normalise_mobile(compact))}
        except IdentityError:
            return {"mobile_index": mobile_index(compact)}
    return None


def _holding_filter(customers, holds: list[str], lacks: list[str]):
    """Customers holding (open) a product of every category in ``holds`` and of none in
    ``lacks``. Holdings belong to the products app, which imports this one: they are
    imported when a search asks for them (reading another app's model is allowed)."""
    from kewei.products.models import Holding

    def held(category: str) -> Exists:
        return Exists(
            Holding.objects.unrestricted().filter(
                customer=OuterRef("pk"), status="open", product__category=category
            )
        )

    for category in holds:
        customers = customers.filter(held(category))
    for category in lacks:
        customers = customers.filter(~held(category))
    return customers


def _prefix(field: str, value: str) -> Q:
    """Values of ``field`` that start with ``value``, in a form the field's index serves.

    PostgreSQL answers ``LIKE 'x%'`` from its pattern index. SQLite's LIKE ignores ASCII
    case and so cannot use an ordinary index; there the prefix is a range, which under
    SQLite's binary collation is exactly the same set of values.
    """
    if connection.vendor == "sqlite":
        upper = value[:-1] + chr(ord(value[-1]) + 1)
        return Q(**{f"{field}__gte": value, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": value})


def _text_filter(customers: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    compact = re.sub(r"[\s-]+", "", text)
    upper = compact.upper()
    identity = identity_params(text)
    if identity is not None:
        if "mobile_index" in identity:
            return customers.filter(mobile_index=identity["mobile_index"])
        return customers.filter(id_number_index__in=identity["id_number_index"])
    if re.fullmatch(r"C\d{6,}", upper):
        return customers.filter(customer_number=upper)
    if is_mobile_last4(compact):
        # The last four digits of the mobile, as asked at the counter (their own index).
        return customers.filter(mobile_last4=compact)
    if re.fullmatch(r"[A-Za-z]+", compact):
        lowered = compact.lower()
        return customers.filter(_prefix("name_initials", lowered) | _prefix("name_pinyin", lowered))
    # A Chinese name is searched from its beginning (surname first); a short one may also
    # be the given name alone (三丰 finds 张三丰 and 欧阳三丰). An index serves each.
    if _GIVEN_NAME.fullmatch(compact):
        return customers.filter(_prefix("name", compact) | _prefix("given_name", compact))
    return customers.filter(_prefix("name", compact))


_MOBILE_LAST4 = re.compile(r"\d{4}")
# One to three Chinese characters: a given name (名) alone.
_GIVEN_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{1,3}")


def is_mobile_last4(text: str) -> bool:
    """Whether a search text is read as the last four digits of a mobile: exactly four
    digits (anything longer is a mobile, an ID or a customer number)."""
    return bool(_MOBILE_LAST4.fullmatch(re.sub(r"[\s-]+", "", text)))


def _at_least(wan: Decimal) -> Q:
    """Assets of at least ``wan`` 万元: every customer above the bound's 万元, and those
    in it whose exact assets reach the bound (none to check for a whole 万元)."""
    whole = int(wan)
    if wan == whole:
        return Q(aum_wan__gte=whole)
    return Q(aum_wan__gt=whole) | Q(aum_wan=whole, assets__aum__gte=wan * TEN_THOUSAND)


def _at_most(wan: Decimal) -> Q:
    """Assets of at most ``wan`` 万元: every customer below the bound's 万元, and those in
    it whose exact assets stay within the bound."""
    whole = int(wan)
    return Q(aum_wan__lt=whole) | Q(aum_wan=whole, assets__aum__lte=wan * TEN_THOUSAND)


def customer_search(query: CustomerQuery) -> QuerySet[Customer]:
    customers = Customer.objects.select_related("department", "responsible_manager", "assets")
    if not query.include_merged:
        customers = customers.filter(status=CustomerStatus.ACTIVE)
    if query.text:
        customers = _text_filter(customers, query.text)
    if query.id_number_index:
        customers = customers.filter(id_number_index__in=query.id_number_index)
    if query.mobile_index:
        customers = customers.filter(mobile_index=query.mobile_index)
    if query.department:
        department = Department.objects.filter(pk=query.department).first()
        if department is None:
            return customers.none()
        subtree = Department.objects.unrestricted().filter(path__startswith=department.path)
        customers = customers.filter(department_id__in=subtree.values("id"))
    if query.manager == "none":
        customers = customers.filter(responsible_manager__isnull=True)
    elif query.manager.isdigit():
        manager = int(query.manager)
        customers = (
            customers.filter(responsible_manager_id=manager)
            if manager <= MAX_ID
            else customers.none()
        )
    if query.tier:
        customers = customers.filter(tier=query.tier)
    # Bounds by the 万元 copy (its index); only customers inside the bound's own 万元
    # need their exact assets.
    if query.aum_min_wan is not None:
        customers = customers.filter(_at_least(query.aum_min_wan))
    if query.aum_max_wan is not None:
        customers = customers.filter(_at_most(query.aum_max_wan))
    if query.birth_month:
        customers = customers.filter(birth_month=query.birth_month)
    if query.tags:
        tag_ids = dict(Tag.objects.filter(name__in=query.tags).values_list("name", "pk"))
        if len(tag_ids) < len(set(query.tags)):
            return customers.none()  # an unknown tag matches nobody
        for tag_id in tag_ids.values():
            tagged = Customer.tags.through.objects.filter(tag_id=tag_id).values("customer_id")
            customers = customers.filter(pk__in=tagged)
    if query.vip is not None:
        customers = customers.filter(vip_flag=query.vip)
    if query.holds or query.lacks:
        customers = _holding_filter(customers, query.holds, query.lacks)
    if query.categories_min is not None:
        customers = customers.filter(product_categories__gte=query.categories_min)
    if query.categories_max is not None:
        customers = customers.filter(product_categories__lte=query.categories_max)
    for name, value in query.extra.items():
        customers = _extra_filters.get(name).apply(customers, value)
    if query.not_contacted_days is not None:
        since = timezone.localdate() - dt.timedelta(days=query.not_contacted_days)
        customers = customers.filter(
            Q(last_contacted_on__isnull=True) | Q(last_contacted_on__lt=since)
        )
    return customers.order_by(*SORTS[query.sort])


def current_consents(customer: Customer) -> dict[str, bool]:
    """The consent in force per channel (the latest statement); no statement means no."""
    latest: dict[str, bool] = {}
    statements = (
        Consent.objects.filter(customer=customer)
        .order_by("channel", "-effective_at", "-pk")
        .values_list("channel", "granted")
    )
    for channel, granted in statements:
        latest.setdefault(channel, granted)
    return {channel: latest.get(channel, False) for channel in ConsentChannel.values}


def consent_in_force(channel: str):
    """An expression for a customer queryset: whether the customer's latest statement
    for ``channel`` grants consent (False without any statement)."""
    latest = (
        Consent.objects.unrestricted()
        .filter(customer=OuterRef("pk"), channel=channel)
        .order_by("-effective_at", "-pk")
        .values("granted")[:1]
    )
    return Coalesce(Subquery(latest, output_field=BooleanField()), Value(False))


def customers_with_consent(channel: str) -> QuerySet[Customer]:
    """Customers whose latest statement for ``channel`` grants consent (set-based)."""
    return Customer.objects.annotate(consent=consent_in_force(channel)).filter(consent=True)


def household_summary(customer: Customer) -> dict[str, Any] | None:
    """The household with its total assets (all members) and the members the user may see."""
    if customer.household_id is None:
        return None
    everyone = Customer.objects.unrestricted().filter(
        household_id=customer.household_id, status=CustomerStatus.ACTIVE
    )
    visible = list(
        Customer.objects.filter(household_id=customer.household_id, status=CustomerStatus.ACTIVE)
        .order_by("pk")
        .select_related("assets")
        .only("pk", "name", "customer_number", "assets__aum")
    )
    total = everyone.aggregate(total=Sum("assets__aum"))["total"] or Decimal("0")
    return {
        "household": customer.household,
        "members": visible,
        "hidden_members": everyone.count() - len(visible),
        "total_aum": total,
    }


def customer_history(customer: Customer, limit: int = 50) -> QuerySet[AuditEvent]:
    """Who changed what and when, from the audit trail (personal values masked there)."""
    return AuditEvent.objects.filter(
        subject_type="customers.customer", subject_id=str(customer.pk)
    ).order_by("-occurred_at", "-id")[:limit]
