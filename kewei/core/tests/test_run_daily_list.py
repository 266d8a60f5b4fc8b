"""``kewei run_daily --list``: the night's steps in run order, read from the apps'
registrations, each with the app that registered it and its one-line description."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import translation

from kewei.core.daily import daily_steps

# The orders the apps' hooks register: referral rewards before the day's points (so the
# rewards are accrued with them), points before tiers and care, pruning last.
NIGHT = [
    ("15", "referrals.reward", "referrals"),
    ("20", "points.accrue", "points"),
    ("30", "points.expire", "points"),
    ("40", "tiers.evaluate", "tiers"),
    ("45", "tiers.potential_vips", "tiers"),
    ("50", "care.run", "care"),
    ("60", "complaints.escalate", "complaints"),
    ("70", "analytics.refresh", "analytics"),
    ("72", "analytics.churn", "analytics"),
    ("95", "jobs.prune_media", "jobs"),
]


def _list(language: str) -> list[list[str]]:
    out = io.StringIO()
    with translation.override(language):
        call_command("run_daily", "--list", stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


def test_the_list_shows_the_steps_in_run_order_with_their_app():
    # when
    lines = _list("zh-hans")
    # then
    assert lines[0] == ["顺序", "步骤", "应用", "描述"]
    assert [tuple(line[:3]) for line in lines[1:]] == NIGHT


def test_every_step_is_described_by_the_first_line_of_its_docstring():
    # when
    lines = _list("zh-hans")
    # then
    descriptions = {line[1]: line[3] for line in lines[1:]}
    assert descriptions["points.accrue"] == "计算当日积分 / accrue the day's points."
    assert descriptions["tiers.evaluate"] == (
        "客户分级评定（升级、降级） / evaluate tiers (upgrades, downgrades)."
    )
    assert all(step.description for step in daily_steps())
    assert all(" / " in description for description in descriptions.values())


def test_the_list_heading_is_translated():
    lines = _list("en")
    assert lines[0] == ["Order", "Steps", "App", "Description"]
