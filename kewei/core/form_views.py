"""The one shape of a form page: show the form; on a valid POST call a service; show the
service's refusal on the form, or go on with a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def add_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


def form_page(
    request: HttpRequest,
    form: Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], Any],
    message: str | Callable[[Any], str],
    title: str,
    cancel_url: str | None = None,
    template: str = "form_page.html",
) -> HttpResponse:
    """``save(cleaned_data)`` calls the service; ``done(result)`` gives the redirect target."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, message(result) if callable(message) else message)
            return redirect(done(result))
    return render(request, template, {"form": form, "title": title, "cancel_url": cancel_url})


def act(request: HttpRequest, target, work: Callable[[], str]) -> HttpResponse:
    """The one shape of a button that calls a service: ``work()`` calls it and returns
    the success message; a refusal becomes error messages. Either way, back to
    ``target``."""
    try:
        text = work()
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, text)
    return redirect(target)
