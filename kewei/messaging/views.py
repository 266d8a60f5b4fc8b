"""Pages of messaging: templates (kept by the retail banking department), writing to a
customer (from a task or the customer page), batches to a saved search, and the list
of messages with their status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kewei.care.models import Task
from kewei.core.form_views import add_errors, form_page
from kewei.core.params import int_param
from kewei.customers.models import Customer
from kewei.messaging import rendering, services
from kewei.messaging.forms import BatchForm, ComposeForm, TemplateForm
from kewei.messaging.models import Message, MessageBatch, MessageTemplate


@permission_required("messaging.view_messagetemplate", raise_exception=True)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = MessageTemplate.objects.order_by("occasion", "channel", "code")
    return render(
        request,
        "messaging/template_list.html",
        {"templates": templates, "variables": rendering.VARIABLES},
    )


def _template_page(request: HttpRequest, template: MessageTemplate | None) -> HttpResponse:
    initial = (
        {
            name: getattr(template, name)
            for name in (
                "code",
                "name",
                "occasion",
                "channel",
                "subject",
                "body",
                "marketing",
                "enabled",
            )
        }
        if template
        else None
    )
    return form_page(
        request,
        TemplateForm(request.POST or None, initial=initial),
        save=lambda data: services.template_save(
            actor=request.user, data=services.TemplateData(**data), template=template
        ),
        done=lambda saved: reverse("messaging:template_list"),
        message=_("模板已保存。"),
        title=_("消息模板"),
        cancel_url=reverse("messaging:template_list"),
    )


@permission_required("messaging.add_messagetemplate", raise_exception=True)
def template_create(request: HttpRequest) -> HttpResponse:
    return _template_page(request, None)


@permission_required("messaging.change_messagetemplate", raise_exception=True)
def template_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_page(request, get_object_or_404(MessageTemplate, pk=pk))


@permission_required("messaging.send_message", raise_exception=True)
def compose(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to one customer: the template's text filled in for them (and for the task
    it comes from), editable; a preview says whether they may receive it."""
    customer = get_object_or_404(Customer.objects.select_related("responsible_manager"), pk=pk)
    task = None
    task_id = int_param(request.GET, "task") or int_param(request.POST, "task")
    if task_id is not None:
        task = get_object_or_404(
            Task.objects.select_related("rule", "product"), pk=task_id, customer=customer
        )
    suggested = services.template_for_task(task)
    form = ComposeForm(request.POST or None, initial={"template": suggested})
    template = suggested
    if form.is_bound and form.is_valid():
        template = form.cleaned_data["template"]
    preview = ""
    exclusion = ""
    if template is not None:
        values = services.values_for(customer, request.user, task)
        preview = rendering.render(template.body, values)
        exclusion = services.refusal(customer, template)
    if request.method == "POST" and form.is_valid() and request.POST.get("send"):
        try:
            message = services.message_send(
                actor=request.user,
                customer=customer,
                template=form.cleaned_data["template"],
                task=task,
                text=form.cleaned_data["text"] or None,
            )
        except ValidationError as error:
            # The refusal is said once: on the form, not again above it.
            add_errors(form, error)
            exclusion = ""
        else:
            messages.success(request, services.queued_text(1, message.created_at))
            return redirect("care:my_day" if task else customer.get_absolute_url())
    return render(
        request,
        "messaging/compose.html",
        {
            "customer": customer,
            "task": task,
            "form": form,
            "preview": preview,
            "exclusion": exclusion,
            "signed": rendering.signed(
                preview, channel=template.channel, marketing=template.marketing
            )
            if template
            else "",
        },
    )


@permission_required("messaging.send_batch", raise_exception=True)
def batch_create(request: HttpRequest) -> HttpResponse:
    """A template to every customer of a saved search: first the preview (who receives
    it, who is excluded and why), then the confirmation."""
    form = BatchForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        search, template = form.cleaned_data["search"], form.cleaned_data["template"]
        try:
            if request.POST.get("confirm"):
                batch = services.batch_send(
                    actor=request.user,
                    template=template,
                    customers=services.search_customers(search.params),
                    name=search.name,
                    params=search.params,
                )
                messages.success(
                    request,
                    " ".join(
                        (
                            services.queued_text(batch.queued, batch.created_at),
                            _("排除 %(x)d 名客户。") % {"x": sum(batch.excluded.values())},
                        )
                    ),
                )
                return redirect("messaging:message_list")
            preview = services.batch_preview(
                template=template, customers=services.search_customers(search.params)
            )
        except ValidationError as error:
            add_errors(form, error)
    return render(request, "messaging/batch.html", {"form": form, "preview": preview})


@permission_required("messaging.view_message", raise_exception=True)
def message_list(request: HttpRequest) -> HttpResponse:
    rows = Message.objects.select_related("customer", "sent_by", "template").order_by(
        "-created_at", "-pk"
    )
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    batches = MessageBatch.objects.select_related("template", "created_by")[:10]
    return render(
        request,
        "messaging/message_list.html",
        {"page": page, "status": status, "batches": batches},
    )
