"""Pages of customer care: my day (我的客户 · 今日), a task, logging a contact, the
supervisor's view of the team's log and 5-20 plan, and the care rules."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
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
from kewei.care.models import ActionPlan, CareRule, Contact, Task, TaskStatus, Trigger
from kewei.care.suggestions import suggestion_for
from kewei.core.form_views import act, add_errors, form_page
from kewei.customers.models import Customer
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


@permission_required("care.view_task", raise_exception=True)
def my_day(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    groups, overdue, coming = selectors.day_groups(request.user, today)
    for group in groups:
        for task in group.tasks:
            task.suggestion = suggestion_for(task, request.user)
    meetings, calls = selectors.targets()
    tally = selectors.tally([request.user.pk], today, today).get(
        (request.user.pk, today), selectors.Tally(0, 0, 0)
    )
    birthdays, maturities = selectors.week_ahead(request.user, today)
    return render(
        request,
        "care/my_day.html",
        {
            "today": today,
            "groups": groups,
            "overdue": overdue,
            "coming": coming,
            "tally": tally,
            "target_meetings": meetings,
            "target_calls": calls,
            "birthdays": birthdays,
            "maturities": maturities,
        },
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
    return render(
        request,
        "care/task_detail.html",
        {
            "task": task,
            "form": form,
            "cancel_form": CancelForm(),
            "suggestion": suggestion_for(task, request.user),
            "open": task.status == TaskStatus.OPEN,
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
