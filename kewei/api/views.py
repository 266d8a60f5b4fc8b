"""The endpoints of ``/api/v1/``. Each parses its input, calls the same services and
selectors as the pages, and answers with a serializer; access, scope, rate limits and
errors are the base view's (:mod:`kewei.api.framework`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.response import Response

from kewei.api import serializers as out
from kewei.api import services
from kewei.api.base import ApiView, Pages
from kewei.api.framework import exception_answer
from kewei.api.models import Scope
from kewei.care.models import Contact, Task, TaskStatus
from kewei.care.services import ContactData, task_complete
from kewei.complaints.models import Complaint
from kewei.complaints.services import ComplaintData, complaint_record
from kewei.customers import selectors as customer_selectors
from kewei.customers import services as customer_services
from kewei.customers.identity import IdentityError, normalise_mobile
from kewei.customers.models import Customer
from kewei.customers.validation import by_field, clean_customer
from kewei.messaging.models import Message
from kewei.messaging.services import delivery_report, outbox_collect, reply_receive
from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.points import selectors as points_selectors
from kewei.points.models import EntryKind, Gift, GiftStatus, Redemption
from kewei.points.redemptions import points_redeem, redemption_cancel, spendable_points
from kewei.products.feed.push import BatchConflict, transactions_push
from kewei.products.models import Transaction, TransactionBatch
from kewei.products.selectors import customer_holdings

VIEW_CUSTOMER = "customers.view_customer"
READ_CUSTOMERS = (Scope.CUSTOMERS_READ, VIEW_CUSTOMER)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _customer(number: str, *related: str) -> Customer:
    """The customer with this number in the caller's scope (404 otherwise)."""
    customers = Customer.objects.select_related(
        "department", "responsible_manager", "assets", *related
    )
    return get_object_or_404(customers, customer_number=number.strip().upper())


def _today() -> dt.date:
    return timezone.localdate()


def _date_param(request, name: str) -> dt.date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise exceptions.ValidationError(
            {name: [_("日期格式应为 YYYY-MM-DD。")]}, code="invalid_date"
        ) from None


class Once(ApiView):
    """A view whose writes are answered once per ``Idempotency-Key``."""

    key_required = False

    def once(self, work: Callable[[], Response]) -> Response:
        request = self.request
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            if self.key_required:
                raise exceptions.ValidationError(
                    {"Idempotency-Key": [_("请提供 Idempotency-Key 请求头。")]},
                    code="idempotency_key_missing",
                )
            return work()
        if len(key) > 100 or not key.isprintable():
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("Idempotency-Key 最长 100 个可打印字符。")]},
                code="idempotency_key_invalid",
            )

        def run() -> services.Answer:
            try:
                with transaction.atomic():
                    response = work()
            except Exception as error:
                answer = exception_answer(error)
                if answer is None or answer[0] >= 500:
                    raise
                return services.Answer(answer[0], answer[1])
            return services.Answer(response.status_code, response.data)

        try:
            answer = services.answer_once(
                principal=self.principal(),
                key=key,
                request_fingerprint=services.fingerprint(
                    request.method, request.path, request.data
                ),
                work=run,
            )
        except services.KeyReused:
            raise Conflict(
                _("该 Idempotency-Key 已用于另一个请求。"), code="idempotency_key_reused"
            ) from None
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def idempotency_key(self) -> str:
        """A key for the service's own record, unique per caller and request key."""
        fingerprint = services.fingerprint(
            self.principal(), "", self.request.headers.get("Idempotency-Key", "")
        )
        return f"api:{fingerprint[:60]}"


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="重试时使用同一值：只执行一次，并返回第一次的响应 / "
    "the same value on a retry answers with the first response",
)


# --- customers ---------------------------------------------------------------------------

_SEARCH_PARAMETERS = [
    OpenApiParameter("text", str, description="姓名、拼音首字母、证件号码、手机号码或客户号"),
    OpenApiParameter("department", str, description="机构代码（含下级机构）"),
    OpenApiParameter("manager", str, description="客户经理员工号；none 表示无客户经理"),
    OpenApiParameter("tier", str),
    OpenApiParameter("aum_min_wan", float, description="金融资产下限（万元）"),
    OpenApiParameter("aum_max_wan", float, description="金融资产上限（万元）"),
    OpenApiParameter("birth_month", int),
    OpenApiParameter("tags", str, many=True),
    OpenApiParameter("vip", bool),
    OpenApiParameter("holds", str, many=True, description="持有的产品类别（全部）"),
    OpenApiParameter("lacks", str, many=True, description="未持有的产品类别"),
    OpenApiParameter("categories_min", int),
    OpenApiParameter("categories_max", int),
    OpenApiParameter("not_contacted_days", int, description="超过多少天未联系"),
    OpenApiParameter("sort", str, enum=sorted(customer_selectors.SORTS)),
]
_REVEAL_PARAMETERS = [
    OpenApiParameter(
        "reveal",
        bool,
        description="显示完整个人信息（需查看权限和 reason；每次均记入审计）",
    ),
    OpenApiParameter("reason", str, description="查看完整个人信息的原因"),
]


class RevealMixin:
    def reveal(self, customers: list[Customer]) -> bool:
        """Whether to show personal fields in full: asked for, allowed, with a reason;
        every customer shown so is audited."""
        request = self.request
        if request.query_params.get("reveal", "").lower() not in ("1", "true"):
            return False
        if not self.can(Scope.CUSTOMERS_REVEAL, "customers.reveal_customer"):
            raise exceptions.PermissionDenied(
                _("您没有查看完整个人信息的权限。"), code="reveal_forbidden"
            )
        customer_services.customers_reveal(
            actor=request.user, customers=customers, reason=request.query_params.get("reason", "")
        )
        return True


def _given_params(request) -> dict[str, list[str]]:
    """The search filters as lists of texts: a GET's query parameters, or the JSON object
    a POST to ``customers/search/`` sends (where an ID number or a mobile goes)."""
    if request.method == "GET":
        return {key: request.query_params.getlist(key) for key in request.query_params}
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError(
            {"body": [_("请求体应为 JSON 对象。")]}, code="invalid_body"
        )
    params = {}
    for key, value in request.data.items():
        values = value if isinstance(value, list) else [value]
        params[str(key)] = [
            ("1" if item else "0") if isinstance(item, bool) else str(item)
            for item in values
            if item is not None and not isinstance(item, dict | list)
        ]
    return params


def _search_params(request) -> dict:
    """The API's search parameters as the search engine's (codes to ids)."""
    params = _given_params(request)

    def first(name: str) -> str:
        return (params.get(name) or [""])[0].strip()

    department = first("department")
    if department:
        found = (
            Department.objects.unrestricted()
            .filter(code=department)
            .values_list("pk", flat=True)
            .first()
        )
        params["department"] = [str(found or 0)]
    manager = first("manager")
    if manager and manager != "none":
        found = (
            Staff.objects.unrestricted()
            .filter(employee_number=manager)
            .values_list("pk", flat=True)
            .first()
        )
        params["manager"] = [str(found or 0)]
    vip = first("vip").lower()
    params["vip"] = ["1" if vip in ("1", "true") else "0" if vip in ("0", "false") else ""]
    return params


class _QueryParams(dict):
    def getlist(self, key):
        return self.get(key, [])


class CustomerList(RevealMixin, mixins.ListModelMixin, ApiView):
    access = {
        "GET": READ_CUSTOMERS,
        "POST": (Scope.CUSTOMERS_WRITE, "customers.add_customer"),
    }
    pagination_class = Pages
    serializer_class = out.CustomerSummary

    def get_queryset(self):
        query = customer_selectors.CustomerQuery.from_params(
            _QueryParams(_search_params(self.request))
        )
        return customer_selectors.customer_search(query)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reveal": getattr(self, "_reveal", False)}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._reveal = self.reveal(page)
        return page

    @extend_schema(
        summary="客户搜索 / search customers",
        parameters=_SEARCH_PARAMETERS + _REVEAL_PARAMETERS,
    )
    def get(self, request):
        text = request.query_params.get("text", "")
        if customer_selectors.identity_params(text.strip()) is not None:
            # An ID number or a mobile in a URL ends up in access logs: refused, so
            # that callers learn to send it in the body of customers/search/.
            raise exceptions.ValidationError(
                {
                    "text": [
                        _("证件号码和手机号码不能放在网址中，请用 POST customers/search/ 查询。")
                    ]
                },
                code="identity_in_url",
            )
        return self.list(request)

    @extend_schema(
        summary="新建客户 / create a customer",
        request=out.CustomerInput,
        responses={201: out.CustomerDetail},
    )
    def post(self, request):
        customer = _save_customer(request, None)
        customer = _customer(customer.customer_number)
        return Response(out.CustomerDetail(customer).data, status=status.HTTP_201_CREATED)


def _save_customer(request, customer: Customer | None) -> Customer:
    given = out.CustomerInput(data=request.data, partial=customer is not None)
    given.is_valid(raise_exception=True)
    values = dict(given.validated_data)
    if customer is not None:
        current = {
            "name": customer.name,
            "id_type": customer.id_type,
            "id_number": customer.id_number,
            "gender": customer.gender,
            "birthday": customer.birthday,
            "mobile": customer.mobile,
            "address": customer.address,
            "email": customer.email,
            "department": customer.department.code,
            "responsible_manager": getattr(customer.responsible_manager, "employee_number", None),
            "vip": customer.vip_flag,
            "source": customer.source,
        }
        values = {**current, **values}
    raw = {**values, "vip_flag": values.pop("vip", False)}
    code = str(raw.get("department") or "")
    departments = {d.code: d for d in customer_selectors.customer_departments().filter(code=code)}
    manager_key = str(raw.get("responsible_manager") or "")
    assignable = customer_selectors.assignable_managers().filter(employee_number=manager_key)
    managers = {s.employee_number: s for s in assignable}
    cleaned, errors = clean_customer(raw, departments=departments, managers=managers)
    if errors:
        raise exceptions.ValidationError(by_field(errors))
    if customer is None:
        return customer_services.customer_create(actor=request.user, data=cleaned)
    return customer_services.customer_update(actor=request.user, customer=customer, data=cleaned)


class CustomerSearch(CustomerList):
    """The search by POST: the same filters as ``GET customers/``, as a JSON object, for
    an ID number or a mobile (which must not travel in a URL)."""

    access = {"POST": READ_CUSTOMERS}
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="按证件号码或手机号码等条件搜索客户 / search customers (filters in the body)",
        request=OpenApiTypes.OBJECT,
        parameters=_REVEAL_PARAMETERS,
        responses={200: out.CustomerSummary(many=True)},
    )
    def post(self, request):
        return self.list(request)


class CustomerDetail(RevealMixin, ApiView):
    access = {
        "GET": READ_CUSTOMERS,
        "PATCH": (Scope.CUSTOMERS_WRITE, "customers.change_customer"),
    }

    @extend_schema(
        summary="客户信息 / a customer",
        parameters=_REVEAL_PARAMETERS,
        responses=out.CustomerDetail,
    )
    def get(self, request, number: str):
        customer = _customer(number)
        reveal = self.reveal([customer])
        return Response(out.CustomerDetail(customer, context={"reveal": reveal}).data)

    @extend_schema(
        summary="修改客户 / update a customer",
        request=out.CustomerInput(partial=True),
        responses=out.CustomerDetail,
    )
    def patch(self, request, number: str):
        customer = _customer(number)
        _save_customer(request, customer)
        return Response(out.CustomerDetail(_customer(number)).data)


# --- holdings and transactions -----------------------------------------------------------


class Holdings(ApiView):
    access = {"GET": (Scope.HOLDINGS_READ, "products.view_product")}

    @extend_schema(summary="客户持仓 / holdings", responses=out.HoldingOut(many=True))
    def get(self, request, number: str):
        holdings = customer_holdings(_customer(number))
        return Response(out.HoldingOut(holdings, many=True).data)


class Transactions(mixins.ListModelMixin, ApiView):
    access = {"GET": (Scope.HOLDINGS_READ, "products.view_product")}
    pagination_class = Pages
    serializer_class = out.TransactionOut

    def get_queryset(self):
        customer = _customer(self.kwargs["number"])
        rows = Transaction.objects.filter(customer=customer).select_related("holding")
        start, end = _date_param(self.request, "start"), _date_param(self.request, "end")
        if start:
            rows = rows.filter(booked_on__gte=start)
        if end:
            rows = rows.filter(booked_on__lte=end)
        return rows.order_by("-booked_on", "-id")

    @extend_schema(
        summary="资金流水 / transactions",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
    )
    def get(self, request, number: str):
        return self.list(request)


class TransactionBatches(ApiView):
    access = {"POST": (Scope.TRANSACTIONS_PUSH, "products.push_transactions")}

    @extend_schema(
        summary="推送当日流水 / push a batch of the day's transactions",
        description="同一批次号再次推送返回第一次的结果，不重复装载；内容不同则返回 409。"
        " / The same batch id again answers with the first result and loads nothing.",
        request=out.TransactionBatchIn,
        responses={201: out.TransactionBatchOut, 200: out.TransactionBatchOut},
    )
    def post(self, request):
        given = out.TransactionBatchIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            batch, earlier = transactions_push(
                actor=request.user,
                batch_id=data["batch_id"],
                day=data["date"],
                rows=[dict(row) for row in data["transactions"]],
                pushed_by=getattr(request.auth, "label", request.user.get_username()),
            )
        except BatchConflict as error:
            raise Conflict(error.messages[0], code="batch_conflict") from None
        return Response(
            out.TransactionBatchOut(batch).data,
            status=status.HTTP_200_OK if earlier else status.HTTP_201_CREATED,
        )


class TransactionBatchDetail(ApiView):
    access = {"GET": (Scope.TRANSACTIONS_PUSH, "products.push_transactions")}

    @extend_schema(summary="推送批次结果 / a pushed batch", responses=out.TransactionBatchOut)
    def get(self, request, batch_id: str):
        batch = get_object_or_404(TransactionBatch, batch_id=batch_id)
        return Response(out.TransactionBatchOut(batch).data)


# --- points and gifts --------------------------------------------------------------------

READ_POINTS = (Scope.POINTS_READ, "points.view_pointsentry")


class Points(ApiView):
    access = {"GET": READ_POINTS}

    @extend_schema(
        summary="积分余额和即将到期积分 / points balance and points expiring",
        parameters=[OpenApiParameter("within_days", int, description="到期天数，默认 60")],
        responses=out.PointsOut,
    )
    def get(self, request, number: str):
        customer = _customer(number)
        try:
            within = int(request.query_params.get("within_days", 60))
        except ValueError:
            within = -1
        if not 0 <= within <= 3660:
            raise exceptions.ValidationError(
                {"within_days": [_("应为 0–3660 之间的整数。")]}, code="invalid"
            )
        today = _today()
        return Response(
            out.PointsOut(
                {
                    "customer": customer.customer_number,
                    "balance": points_selectors.points_balance(customer),
                    "spendable": spendable_points(customer, today),
                    "expiring": points_selectors.points_expiring(
                        customer, on=today, within_days=within
                    ),
                }
            ).data
        )


class PointsStatement(mixins.ListModelMixin, ApiView):
    access = {"GET": READ_POINTS}
    pagination_class = Pages
    serializer_class = out.PointsEntryOut

    def get_queryset(self):
        return points_selectors.points_statement(
            _customer(self.kwargs["number"]),
            start=_date_param(self.request, "start"),
            end=_date_param(self.request, "end"),
            kind=self.request.query_params.get("kind", ""),
        )

    @extend_schema(
        summary="积分流水 / points statement",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("kind", str, enum=EntryKind.values),
        ],
    )
    def get(self, request, number: str):
        return self.list(request)


def _gifts_on(day: dt.date):
    return (
        Gift.objects.filter(status=GiftStatus.ACTIVE)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .prefetch_related(Prefetch("outlets", queryset=Department.objects.unrestricted()))
        .order_by("points_price", "code")
    )


class Gifts(ApiView):
    access = {"GET": (Scope.POINTS_READ, "points.view_gift")}

    @extend_schema(summary="礼品目录 / the gift catalogue", responses=out.GiftOut(many=True))
    def get(self, request):
        return Response(out.GiftOut(_gifts_on(_today()), many=True).data)


class CustomerGifts(ApiView):
    access = {"GET": (Scope.POINTS_READ, "points.view_gift")}

    @extend_schema(
        summary="客户可兑换的礼品 / gifts this customer may redeem",
        responses=out.GiftOut(many=True),
    )
    def get(self, request, number: str):
        customer = _customer(number)
        gifts = [g for g in _gifts_on(_today()) if not g.tiers or customer.tier in g.tiers]
        return Response(out.GiftOut(gifts, many=True).data)


class Redemptions(Once):
    access = {
        "GET": READ_POINTS,
        "POST": (Scope.POINTS_REDEEM, "points.redeem_gift"),
    }
    key_required = True

    @extend_schema(
        summary="客户的兑换记录 / the customer's redemptions",
        responses=out.RedemptionOut(many=True),
    )
    def get(self, request, number: str):
        customer = _customer(number)
        rows = (
            Redemption.objects.filter(customer=customer)
            .select_related("customer", "gift", "outlet")
            .order_by("-created_at", "-id")[:200]
        )
        return Response(out.RedemptionOut(rows, many=True).data)

    @extend_schema(
        summary="积分兑换 / redeem points for a gift",
        parameters=[IDEMPOTENCY_KEY],
        request=out.RedeemIn,
        responses={201: out.RedemptionOut},
    )
    def post(self, request, number: str):
        def work() -> Response:
            customer = _customer(number)
            given = out.RedeemIn(data=request.data)
            given.is_valid(raise_exception=True)
            data = given.validated_data
            gift = Gift.objects.filter(code=data["gift"]).first()
            if gift is None:
                raise exceptions.ValidationError({"gift": [_("没有该礼品。")]}, code="no_gift")
            outlet = _redemption_outlet(request.user, data["outlet"])
            redemption = points_redeem(
                actor=request.user,
                customer=customer,
                gift=gift,
                quantity=data["quantity"],
                outlet=outlet,
                idempotency_key=self.idempotency_key(),
            )
            return Response(out.RedemptionOut(redemption).data, status=status.HTTP_201_CREATED)

        return self.once(work)


def _redemption_outlet(caller: Staff, code: str) -> Department:
    """The outlet a gift is handed out at: an active outlet (网点) within the caller's
    own department, whatever the caller's data scope shows; else a 400 on ``outlet``."""
    code = code.strip()
    outlet = points_selectors.redemption_outlets(caller).filter(code=code).first()
    if outlet is not None:
        return outlet
    department = Department.objects.unrestricted().filter(code=code, is_active=True).first()
    if department is None:
        message, reason = _("机构代码不存在或已撤销。"), "no_outlet"
    elif department.level != DepartmentLevel.OUTLET:
        message = _("机构 %(code)s 不是网点：礼品须在网点领取。") % {"code": code}
        reason = "not_an_outlet"
    else:
        message = _("网点 %(code)s 不在您所属机构的范围内。") % {"code": code}
        reason = "outlet_out_of_reach"
    raise exceptions.ValidationError({"outlet": [exceptions.ErrorDetail(message, reason)]})


def _by_number(model, number: str, pattern: str, *related: str):
    match = re.fullmatch(pattern, number.strip().upper())
    if not match:
        raise exceptions.NotFound(_("未找到，或不在您的数据权限范围内。"), code="not_found")
    return get_object_or_404(model.objects.select_related(*related), pk=int(match.group(1)))


class RedemptionCancel(Once):
    access = {"POST": (Scope.POINTS_REDEEM, "points.redeem_gift")}
    key_required = True

    @extend_schema(
        summary="撤销兑换 / cancel a redemption",
        parameters=[IDEMPOTENCY_KEY],
        request=out.CancelIn,
        responses=out.RedemptionOut,
    )
    def post(self, request, number: str):
        def work() -> Response:
            redemption = _by_number(
                Redemption, number, r"R\d{8}(\d{8,})", "customer", "gift", "outlet", "entry"
            )
            given = out.CancelIn(data=request.data)
            given.is_valid(raise_exception=True)
            done = redemption_cancel(
                actor=request.user, redemption=redemption, reason=given.validated_data["reason"]
            )
            return Response(out.RedemptionOut(done).data)

        return self.once(work)


# --- tasks and contacts ------------------------------------------------------------------


class Tasks(mixins.ListModelMixin, ApiView):
    access = {"GET": (Scope.TASKS, "care.view_task")}
    pagination_class = Pages
    serializer_class = out.TaskOut

    def get_queryset(self):
        wanted = self.request.query_params.get("status", TaskStatus.OPEN)
        tasks = Task.objects.filter(assignee=self.request.user).select_related("customer")
        if wanted in TaskStatus.values:
            tasks = tasks.filter(status=wanted)
        return tasks.order_by("due_on", "id")

    @extend_schema(
        summary="我的任务 / my tasks",
        parameters=[OpenApiParameter("status", str, enum=TaskStatus.values)],
    )
    def get(self, request):
        return self.list(request)


class TaskComplete(Once):
    access = {"POST": (Scope.TASKS, ("care.change_task", "care.add_contact"))}

    @extend_schema(
        summary="完成任务并记录联系 / complete a task with the contact that did it",
        request=out.ContactIn,
        responses=out.TaskOut,
    )
    def post(self, request, pk: int):
        def work() -> Response:
            task = get_object_or_404(Task.objects.select_related("customer"), pk=pk)
            given = out.ContactIn(data=request.data)
            given.is_valid(raise_exception=True)
            done = task_complete(
                actor=request.user, task=task, data=ContactData(**given.validated_data)
            )
            return Response(out.TaskOut(done).data)

        return self.once(work)


class Contacts(mixins.ListModelMixin, ApiView):
    access = {"GET": (Scope.TASKS, "care.view_contact")}
    pagination_class = Pages
    serializer_class = out.ContactOut

    def get_queryset(self):
        customer = _customer(self.kwargs["number"])
        return (
            Contact.objects.filter(customer=customer)
            .select_related("customer", "staff")
            .order_by("-contacted_at", "-id")
        )

    @extend_schema(summary="联系记录 / the contact log")
    def get(self, request, number: str):
        return self.list(request)


# --- complaints --------------------------------------------------------------------------


class Complaints(mixins.ListModelMixin, Once):
    access = {
        "GET": (Scope.COMPLAINTS_READ, "complaints.view_complaint"),
        "POST": (Scope.COMPLAINTS_WRITE, "complaints.add_complaint"),
    }
    pagination_class = Pages
    serializer_class = out.ComplaintOut

    def get_queryset(self):
        complaints = Complaint.objects.select_related("customer", "department", "owner").order_by(
            "-received_at", "-id"
        )
        number = self.request.query_params.get("customer", "").strip().upper()
        if number:
            complaints = complaints.filter(customer__customer_number=number)
        wanted = self.request.query_params.get("status", "")
        if wanted:
            complaints = complaints.filter(status=wanted)
        return complaints

    @extend_schema(
        summary="投诉列表 / complaints",
        parameters=[OpenApiParameter("customer", str), OpenApiParameter("status", str)],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        summary="登记投诉 / record a complaint",
        request=out.ComplaintIn,
        responses={201: out.ComplaintOut},
    )
    def post(self, request):
        def work() -> Response:
            given = out.ComplaintIn(data=request.data)
            given.is_valid(raise_exception=True)
            data = dict(given.validated_data)
            customer = None
            if data.get("customer"):
                customer = _customer(data["customer"])
            department = (
                Department.objects.unrestricted()
                .filter(code=data["department"], is_active=True)
                .first()
            )
            if department is None:
                raise exceptions.ValidationError(
                    {"department": [_("机构代码不存在或已撤销。")]}, code="no_department"
                )
            complaint = complaint_record(
                actor=request.user,
                data=ComplaintData(
                    customer=customer,
                    caller_name=data.get("caller_name", ""),
                    caller_phone=data.get("caller_phone", ""),
                    department=department,
                    channel=data["channel"],
                    category=data["category"],
                    severity=data["severity"],
                    description=data["description"],
                ),
            )
            return Response(out.ComplaintOut(complaint).data, status=status.HTTP_201_CREATED)

        return self.once(work)


class ComplaintDetail(ApiView):
    access = {"GET": (Scope.COMPLAINTS_READ, "complaints.view_complaint")}

    @extend_schema(summary="投诉 / a complaint", responses=out.ComplaintOut)
    def get(self, request, number: str):
        complaint = _by_number(
            Complaint, number, r"TS\d{8}(\d{6,})", "customer", "department", "owner"
        )
        return Response(out.ComplaintOut(complaint).data)


# --- messages (the SMS platform) ---------------------------------------------------------

RELAY = (Scope.MESSAGES, "messaging.relay_messages")


class Outbox(Once):
    access = {"POST": RELAY}

    @extend_schema(
        summary="短信平台取件 / the SMS platform collects the messages due",
        description="返回到期的待发送消息（含完整手机号码，供发送），并标记为已发送；"
        "带 Idempotency-Key 重试可取回同一批。 / Returns the due messages with their "
        "addresses and marks them sent; a retry with the same Idempotency-Key gets the "
        "same messages.",
        request=out.CollectIn,
        responses=out.OutgoingOut(many=True),
    )
    def post(self, request):
        def work() -> Response:
            given = out.CollectIn(data=request.data)
            given.is_valid(raise_exception=True)
            handed = outbox_collect(actor=request.user, **given.validated_data)
            return Response(out.OutgoingOut(handed, many=True).data)

        return self.once(work)


class Delivery(ApiView):
    access = {"POST": RELAY}

    @extend_schema(
        summary="发送回执 / delivery report", request=out.DeliveryIn, responses=out.DeliveryOut
    )
    def post(self, request, pk: int):
        message = get_object_or_404(Message, pk=pk)
        given = out.DeliveryIn(data=request.data)
        given.is_valid(raise_exception=True)
        message = delivery_report(message=message, actor=request.user, **given.validated_data)
        return Response({"id": str(message.pk), "status": message.status})


class Replies(ApiView):
    access = {"POST": RELAY}

    @extend_schema(
        summary="客户回复 / a customer's reply", request=out.ReplyIn, responses=out.ReplyOut
    )
    def post(self, request):
        given = out.ReplyIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            mobile = normalise_mobile(data["mobile"])
        except IdentityError as error:
            raise exceptions.ValidationError(
                {"mobile": [str(error)]}, code="invalid_mobile"
            ) from None
        replies = reply_receive(
            mobile=mobile, body=data["text"], received_at=data.get("received_at")
        )
        return Response(
            {
                "customers": len(replies),
                "unsubscribed": any(reply.unsubscribed for reply in replies),
            }
        )
