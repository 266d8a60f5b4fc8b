"""Pages of client events: the list, planning an event, its guest list (from a saved
search or one by one), invitations with a preview, replies, attendance and figures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import act, form_page
from kewei.customers.models import Customer
from kewei.events import selectors, services
from kewei.events.forms import EventForm, FromSearchForm, HoldForm, InviteForm, ReplyForm
from kewei.events.models import ClientEvent, EventStatus, Guest
from kewei.messaging import services as messaging
from kewei.tiers.selectors import tier_names


@permission_required("events.view_clientevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    events = ClientEvent.objects.select_related("department").order_by("-starts_at")[:100]
    return render(request, "events/event_list.html", {"events": events})


@permission_required("events.add_clientevent", raise_exception=True)
def event_create(request: HttpRequest) -> HttpResponse:
    def save(data):
        return services.event_create(
            actor=request.user,
            data=services.EventData(
                department=request.user.department,
                **{**data, "invited_tiers": tuple(data["invited_tiers"])},
            ),
        )

    return form_page(
        request,
        EventForm(request.POST or None, tier_choices=list(tier_names().items())),
        save=save,
        done=lambda event: event.get_absolute_url(),
        message=_("活动已创建，请添加嘉宾。"),
        title=_("新建客户活动"),
        cancel_url=reverse("events:event_list"),
    )


@permission_required("events.view_clientevent", raise_exception=True)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ClientEvent.objects.select_related("department"), pk=pk)
    invite = InviteForm(request.GET or None) if "template" in request.GET else InviteForm()
    preview = None
    if invite.is_bound and invite.is_valid():
        try:
            preview = services.invitation_preview(
                event=event, template=invite.cleaned_data["template"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "guests": selectors.guests_of(event),
            "figures": selectors.figures(event),
            "from_search": FromSearchForm(),
            "invite": invite,
            "preview": preview,
            "hold": HoldForm(initial={"actual_cost": event.budget}),
            "planned": event.status == EventStatus.PLANNED,
            "started": event.starts_at <= timezone.now(),
            "tiers": tier_names(),
        },
    )


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def guests_from_search(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ClientEvent, pk=pk)
    form = FromSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择客户查询。"))
        return redirect(event)
    return act(
        request,
        event,
        lambda: (
            _("已加入 %(n)d 位嘉宾。")
            % {
                "n": services.guests_add_from_search(
                    actor=request.user, event=event, params=form.cleaned_data["search"].params
                )
            }
        ),
    )


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def guest_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ClientEvent, pk=pk)
    number = request.POST.get("customer_number", "").strip().upper()
    customer = Customer.objects.filter(customer_number=number).first()
    if customer is None:
        messages.error(request, _("客户号不存在或不在您的权限范围内。"))
        return redirect(event)
    return act(
        request,
        event,
        lambda: (
            services.guest_add(actor=request.user, event=event, customer=customer)
            and _("已加入嘉宾：%(name)s") % {"name": customer.name}
        ),
    )


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def guest_remove(request: HttpRequest, pk: int) -> HttpResponse:
    guest = get_object_or_404(Guest.objects.select_related("event"), pk=pk)
    return act(
        request,
        guest.event,
        lambda: services.guest_remove(actor=request.user, guest=guest) or _("已移除。"),
    )


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def invitations_send(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ClientEvent, pk=pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择邀请模板。"))
        return redirect(event)

    def invite() -> str:
        invited = services.invitations_send(
            actor=request.user, event=event, template=form.cleaned_data["template"]
        )
        return " ".join(
            (
                _("已邀请 %(n)d 位嘉宾。") % {"n": invited},
                messaging.queued_text(invited, timezone.now()),
            )
        )

    return act(request, event, invite)


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def guest_reply(request: HttpRequest, pk: int) -> HttpResponse:
    guest = get_object_or_404(Guest.objects.select_related("event"), pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("回复只能是接受或婉拒。"))
        return redirect(guest.event)
    return act(
        request,
        guest.event,
        lambda: (
            services.guest_reply(
                actor=request.user, guest=guest, status=form.cleaned_data["status"]
            )
            and _("已记录回复。")
        ),
    )


@require_POST
@permission_required("events.change_clientevent", raise_exception=True)
def event_hold(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(ClientEvent, pk=pk)
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写实际费用。"))
        return redirect(event)
    attended = [int(pk) for pk in request.POST.getlist("attended") if pk.isdigit()]
    return act(
        request,
        event,
        lambda: (
            _("已记录出席，生成 %(n)d 条回访任务。")
            % {
                "n": services.event_hold(
                    actor=request.user,
                    event=event,
                    attended=attended,
                    actual_cost=form.cleaned_data["actual_cost"],
                )
            }
        ),
    )
