"""Kewei's Chinese formats: digits grouped by three with a comma, as on every bank
statement (Django's zh_Hans groups nothing), and ISO values in date inputs."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template import Context, Template
from django.utils import translation


def test_points_and_counts_are_grouped_in_chinese():
    template = Template("{% load humanize %}积分 {{ points|intcomma }} · {{ share|intcomma }}")
    with translation.override("zh-hans"):
        shown = template.render(Context({"points": 29970000, "share": 1234.5}))
    assert shown == "积分 29,970,000 · 1,234.5"


def test_date_and_datetime_inputs_get_iso_values_in_chinese():
    with translation.override("zh-hans"):
        day = forms.DateInput(attrs={"type": "date"}).render("day", dt.date(2025, 12, 7))
        moment = forms.DateTimeInput(attrs={"type": "datetime-local"}).render(
            "at",
            dt.datetime(2025, 12, 7, 9, 5),  # noqa: DTZ001 (a naive value, as a form shows it)
        )
        typed = forms.DateField().clean("2025/12/7")
    assert day == '<input type="date" name="day" value="2025-12-07">'
    assert moment == '<input type="datetime-local" name="at" value="2025-12-07 09:05">'
    assert typed == dt.date(2025, 12, 7)


def test_dates_are_still_written_the_chinese_way():
    with translation.override("zh-hans"):
        assert Template("{{ day|date }}").render(Context({"day": dt.date(2025, 12, 7)})) == (
            "2025年12月7日"
        )


def test_a_jobs_progress_groups_its_counts_by_thousands():
    from django.template.loader import render_to_string

    from kewei.jobs.models import JobRun

    # given
    run = JobRun(kind="customers.export", done=12345, total=20000)
    # when
    html = render_to_string("jobs/_progress.html", {"run": run, "no_poll": True})
    # then
    assert "12,345 / 20,000" in html
