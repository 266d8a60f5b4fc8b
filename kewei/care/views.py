"""Pages of customer care: my day (我的客户 · 今日), a task, logging a contact, the
supervisor's view of the team's log and 5-20 plan, and the care rules."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.care import selectors, services
from kewei.care.forms import (
    CancelForm,
    CommentForm,
    ContactForm,
    PlanForm,
    PlanStartForm,
    RuleForm,
    StepFormSet,
)
from kewei.care.models import (
    ActionPlan,
    CareRule,
    Contact,
    ContactChannel,
    ContactOutcome,
    Task,
    TaskStatus,
    Trigger,
)
from kewei.care.suggestions import suggestion_for
from kewei.core.form_views import act, add_errors, form_page
from kewei.core.params import int_param
from kewei.customers.models import Customer
from kewei.messaging import services as messaging
from kewei.tiers.selectors import tier_names


def _contact_data(cleaned: dict) -> services.ContactData:
    return services.ContactData(
        channel=cleaned["channel"],
        purpose=cleaned["purpose"],
        outcome=cleaned["outcome"],
        summary=cleaned["summary"],
        contacted_at=cleaned["contacted_at"],
        next_follow_up=cleaned["next_follow_up"],
    )


def _plan_context(user, today: dt.date) -> dict:
    """The 5-20 plan's bars: today's meetings and calls against the targets."""
    meetings, calls = selectors.targets()
    tally = selectors.tally([user.pk], today, today).get((user.pk, today), selectors.Tally(0, 0, 0))
    return {"tally": tally, "target_meetings": meetings, "target_calls": calls}


@permission_required("care.view_task", raise_exception=True)
def my_day(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    day = selectors.day_rows(request.user, today)
    tasks = [task for row in day.rows for task in row.tasks]
    # 发短信 is offered only where the rules of messaging let us write (as on the task
    # page); elsewhere the row says why.
    refusals = {}
    if request.user.has_perm("messaging.send_message"):
        refusals = selectors.message_refusals(tasks)
    for task in tasks:
        task.suggestion = suggestion_for(task, request.user)
        task.message_refusal = refusals.get(task.pk, "")
    birthdays, maturities = selectors.week_ahead(request.user, today)
    return render(
        request,
        "care/my_day.html",
        {
            "today": today,
            "day": day,
            "birthdays": birthdays,
            "maturities": maturities,
            **_plan_context(request.user, today),
        },
    )


def _task_ids(request: HttpRequest, pk: int) -> set[int]:
    ids = {pk}
    for value in request.POST.getlist("task"):
        ids.add(int_param({"task": value}, "task"))
    return ids


@require_POST
@permission_required("care.change_task", raise_exception=True)
def task_called(request: HttpRequest, pk: int) -> HttpResponse:
    """我的今日's 已电话联系: the call to a customer of the day is logged (phone, reached)
    and completes the tasks of the row: task ``pk`` and the customer's others the row
    showed (``task``). One call, one contact, counted once in the 5-20 plan; the checks
    and the audit of the task page. With htmx the row and the 5-20 bars answer in place;
    without, back to my day with a message. Anyone else's task: 404, nothing changed."""
    mine = selectors.tasks_to_work_on(request.user)
    lead = get_object_or_404(mine, pk=pk)
    ids = _task_ids(request, pk)
    tasks = list(mine.filter(pk__in=ids, customer_id=lead.customer_id))
    if len(tasks) != len(ids):
        raise Http404(_("任务不存在或不是您的任务。"))
    # A task done meanwhile (in another tab) is left as it is; the others are done.
    still_open = sorted(
        (task for task in tasks if task.status == TaskStatus.OPEN),
        key=lambda task: (task.due_on, task.pk),
    )
    error = ""
    try:
        if not still_open:
            raise services.CareError(_("该任务已处理。"), code="not_open")
        services.tasks_complete(
            actor=request.user,
            tasks=still_open,
            data=services.ContactData(
                channel=ContactChannel.PHONE,
                purpose=services.purpose_for(still_open[0]),
                outcome=ContactOutcome.REACHED,
                summary=_("电话联系：%(reasons)s")
                % {"reasons": "、".join(task.label for task in still_open)},
            ),
        )
    except ValidationError as refused:
        error = " ".join(refused.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("已记录电话联系：%(customer)s，%(n)d 项任务已完成。")
                % {"customer": lead.customer.name, "n": len(still_open)},
            )
        return redirect("care:my_day")
    today = timezone.localdate()
    done = selectors.tasks_to_work_on(request.user).filter(pk__in=ids)
    row = selectors.CustomerRow(lead.customer, list(done.order_by("due_on", "pk")))
    return render(
        request,
        "care/_my_day_called.html",
        {"row": row, "row_error": error, "today": today, **_plan_context(request.user, today)},
    )


@permission_required("care.view_task", raise_exception=True)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task, and the contact that completes it."""
    task = get_object_or_404(
        Task.objects.select_related("customer", "customer__assets", "rule", "product"), pk=pk
    )
    form = ContactForm(request.POST or None, initial={"channel": "phone", "outcome": "reached"})
    if request.method == "POST" and form.is_valid():
        try:
            services.task_complete(
                actor=request.user, task=task, data=_contact_data(form.cleaned_data)
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已记录联系，任务完成。"))
            return redirect("care:my_day")
    open_task = task.status == TaskStatus.OPEN
    # 发送短信并完成 is offered only to a customer the rules of messaging let us write to
    # (consent, monthly cap); otherwise the page says why.
    message_refusal = ""
    if open_task and request.user.has_perm("messaging.send_message"):
        message_refusal = messaging.refusal(task.customer, messaging.template_for_task(task))
    return render(
        request,
        "care/task_detail.html",
        {
            "task": task,
            "form": form,
            "cancel_form": CancelForm(),
            "suggestion": suggestion_for(task, request.user),
            "open": open_task,
            "message_refusal": message_refusal,
        },
    )


@require_POST
@permission_required("care.view_task", raise_exception=True)
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.task_cancel(actor=request.user, task=task, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(task.get_absolute_url())
        messages.success(request, _("任务已取消。"))
        return redirect("care:my_day")
    messages.error(request, _("请说明取消原因。"))
    return redirect(task.get_absolute_url())


@permission_required("care.add_contact", raise_exception=True)
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return form_page(
        request,
        ContactForm(request.POST or None, initial={"channel": "phone", "outcome": "reached"}),
        save=lambda data: services.contact_log(
            actor=request.user, customer=customer, data=_contact_data(data)
        ),
        done=lambda contact: customer.get_absolute_url(),
        message=_("联系已记录。"),
        title=_("记录联系：%(customer)s") % {"customer": customer.name},
        cancel_url=customer.get_absolute_url(),
    )


@require_POST
@permission_required("care.start_actionplan", raise_exception=True)
def plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = PlanStartForm(request.POST)
    if not form.is_valid():
        return redirect(customer.get_absolute_url())

    def start() -> str:
        services.plan_start(actor=request.user, customer=customer, plan=form.cleaned_data["plan"])
        return _("行动计划已启动，各步骤已生成任务。")

    return act(request, customer.get_absolute_url(), start)


@permission_required("care.review_contacts", raise_exception=True)
def team(request: HttpRequest) -> HttpResponse:
    """Each manager's contacts, tasks done and overdue, and 5-20 compliance by day of
    the week; the week's log, which the supervisor can comment on."""
    today = timezone.localdate()
    try:
        week_of = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        week_of = today
    week_start = week_of - dt.timedelta(days=week_of.weekday())
    days, rows = selectors.team(request.user, week_start, today)
    log = Paginator(
        selectors.team_log(request.user, week_start, week_start + dt.timedelta(days=6)), 30
    ).get_page(request.GET.get("page"))
    meetings, calls = selectors.targets()
    return render(
        request,
        "care/team.html",
        {
            "days": days,
            "rows": rows,
            "log": log,
            "week_start": week_start,
            "previous_week": week_start - dt.timedelta(days=7),
            "next_week": week_start + dt.timedelta(days=7),
            "target_meetings": meetings,
            "target_calls": calls,
            "comment_form": CommentForm(),
        },
    )


@require_POST
@permission_required("care.add_contactcomment", raise_exception=True)
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(actor=request.user, contact=contact, text=form.cleaned_data["text"])
        messages.success(request, _("点评已保存。"))
    else:
        messages.error(request, _("请填写点评内容。"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("care:team")
    return redirect(target)


@permission_required("care.view_carerule", raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = CareRule.objects.select_related("action_plan").order_by("code")
    plans = ActionPlan.objects.prefetch_related("steps").order_by("code")
    return render(
        request,
        "care/rule_list.html",
        {"rules": rules, "plans": plans, "tiers": tier_names(), "triggers": Trigger.choices},
    )


def _rule_page(request: HttpRequest, rule: CareRule) -> HttpResponse:
    initial = {
        name: getattr(rule, name)
        for name in services.RULE_FIELDS
        if name not in ("action_plan", "occasion")
    }
    initial["action_plan"] = rule.action_plan_id
    form = RuleForm(
        request.POST or None,
        initial=initial,
        trigger=rule.trigger,
        tier_choices=list(tier_names().items()),
    )

    def save(data):
        values = {name: value for name, value in data.items() if name in services.RULE_FIELDS}
        return services.rule_save(actor=request.user, rule=rule, values=values)

    return form_page(
        request,
        form,
        save=save,
        done=lambda saved: reverse("care:rule_list"),
        message=_("关怀规则已保存，下次生成任务时生效。"),
        title=_("关怀规则：%(trigger)s") % {"trigger": rule.get_trigger_display()},
        cancel_url=reverse("care:rule_list"),
    )


def _plan_page(request: HttpRequest, plan: ActionPlan) -> HttpResponse:
    initial = {"code": plan.code, "name": plan.name, "description": plan.description}
    initial["enabled"] = plan.enabled if plan.pk else True
    steps = [
        {
            "title": s.title,
            "offset_days": s.offset_days,
            "channel": s.channel,
            "assignee": s.assignee,
        }
        for s in (plan.steps.all() if plan.pk else [])
    ]
    form = PlanForm(request.POST or None, initial=initial)
    if plan.pk:
        form.fields["code"].disabled = True
    formset = StepFormSet(request.POST or None, initial=steps, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = [
            services.StepData(
                **{name: data[name] for name in ("title", "offset_days", "channel", "assignee")}
            )
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        if not plan.pk:
            plan.code = form.cleaned_data["code"]
            if ActionPlan.objects.filter(code=plan.code).exists():
                form.add_error("code", _("该计划代码已存在。"))
        if not form.errors:
            try:
                services.plan_save(
                    actor=request.user,
                    plan=plan,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    enabled=form.cleaned_data["enabled"],
                    steps=kept,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("行动计划已保存。"))
                return redirect("care:rule_list")
    return render(request, "care/plan_form.html", {"form": form, "formset": formset, "plan": plan})


@permission_required("care.add_actionplan", raise_exception=True)
def plan_create(request: HttpRequest) -> HttpResponse:
    return _plan_page(request, ActionPlan())


@permission_required("care.change_actionplan", raise_exception=True)
def plan_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, get_object_or_404(ActionPlan, pk=pk))


@permission_required("care.change_carerule", raise_exception=True)
def rule_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_page(request, get_object_or_404(CareRule, pk=pk))


@permission_required("care.add_carerule", raise_exception=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    """A new date rule: any date field plus an offset (no code needed)."""
    number = CareRule.objects.filter(code__startswith="DATE_").count() + 1
    while CareRule.objects.filter(code=f"DATE_{number}").exists():
        number += 1
    return _rule_page(request, CareRule(code=f"DATE_{number}", trigger=Trigger.DATE))
