"""Issue #29: exports and uploads (personal data in files) expire, pruned by the nightly
batch and by ``kewei prune_imports``."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kewei.core.daily import daily_steps
from kewei.jobs.models import JobRun, JobStatus
from kewei.jobs.retention import PruneResult, media_prune

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A media folder of the test's own: other tests leave their files in the shared one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _file(settings, relative: str, *, hours_old: float):
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("110105********002X")
    stamp = (NOW - dt.timedelta(hours=hours_old)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _export_run(user, relative: str):
    return JobRun.objects.unrestricted().create(
        kind="customers.export",
        started_by=user,
        status=JobStatus.SUCCEEDED,
        result_file=relative,
        result={"rows": 1},
        finished_at=timezone.now(),
    )


def test_expired_exports_and_uploads_go_fresh_ones_stay_and_a_rerun_changes_nothing(bank, settings):
    # given: retention of 24 hours for exports, 12 for uploads
    settings.KEWEI_EXPORT_RETENTION_HOURS = 24
    settings.KEWEI_UPLOAD_RETENTION_HOURS = 12
    old_export = _file(settings, "exports/customers-old.xlsx", hours_old=25)
    fresh_export = _file(settings, "exports/customers-fresh.xlsx", hours_old=23)
    old_upload = _file(settings, "imports/old.csv", hours_old=13)
    old_report = _file(settings, "imports/old-report.csv", hours_old=13)
    fresh_upload = _file(settings, "imports/fresh.csv", hours_old=11)
    old_run = _export_run(bank.head_a1, "exports/customers-old.xlsx")
    fresh_run = _export_run(bank.head_a1, "exports/customers-fresh.xlsx")
    # when
    first = media_prune(now=NOW)
    again = media_prune(now=NOW)
    # then
    assert first == PruneResult(exports=1, uploads=2, runs=1)
    assert again == PruneResult(exports=0, uploads=0, runs=0)
    assert not old_export.exists() and not old_upload.exists() and not old_report.exists()
    assert fresh_export.exists() and fresh_upload.exists()
    old_run.refresh_from_db()
    fresh_run.refresh_from_db()
    assert (old_run.result_file, old_run.result) == ("", {"rows": 1, "file_expired": True})
    assert (fresh_run.result_file, fresh_run.result) == (
        "exports/customers-fresh.xlsx",
        {"rows": 1},
    )


def test_an_expired_export_answers_not_found_and_its_page_says_expired(client, bank, settings):
    # given
    _file(settings, "exports/customers-old.xlsx", hours_old=48)
    run = _export_run(bank.head_a1, "exports/customers-old.xlsx")
    media_prune(now=NOW)
    client.force_login(bank.head_a1)
    # when
    download = client.get(reverse("jobs:job_download", args=[run.pk]))
    page = client.get(reverse("jobs:job_detail", args=[run.pk]))
    # then
    assert download.status_code == 404
    html = page.content.decode()
    assert "结果文件已过期并已删除。" in html and "下载结果文件" not in html


def test_the_nightly_batch_prunes_with_the_settings(bank, settings):
    # given: files older than the retention, by the real clock
    settings.KEWEI_EXPORT_RETENTION_HOURS = 1
    settings.KEWEI_UPLOAD_RETENTION_HOURS = 1
    export = settings.MEDIA_ROOT / "exports" / "nightly.xlsx"
    upload = settings.MEDIA_ROOT / "imports" / "nightly.csv"
    for path in (export, upload):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        stamp = timezone.now().timestamp() - 2 * 3600
        os.utime(path, (stamp, stamp))
    step = next(s for s in daily_steps() if s.name == "jobs.prune_media")
    # when
    summary = step.function(dt.date(2026, 11, 30))
    # then
    assert summary == "导出文件 / exports 1, 上传文件 / uploads 1, 任务 / jobs 0"
    assert not export.exists() and not upload.exists()


def test_prune_imports_keeps_its_flag_and_prunes_exports_too(bank, settings):
    settings.KEWEI_EXPORT_RETENTION_HOURS = 1000
    now = timezone.now()
    upload = settings.MEDIA_ROOT / "imports" / "stale.csv"
    export = settings.MEDIA_ROOT / "exports" / "stale.xlsx"
    for path in (upload, export):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        stamp = (now - dt.timedelta(hours=30)).timestamp()
        os.utime(path, (stamp, stamp))
    out = StringIO()
    call_command("prune_imports", hours=24, stdout=out)
    assert not upload.exists() and export.exists()  # exports kept: 1000 hours
    call_command("prune_imports", "--export-hours", "24", stdout=out)
    assert not export.exists()
    assert "removed 1 stale uploads" in out.getvalue()
    assert "removed 1 stale exports" in out.getvalue()


def test_confirming_a_preview_whose_upload_expired_says_so(
    client, bank, settings, django_capture_on_commit_callbacks
):
    # given: a preview whose upload was pruned
    preview = JobRun.objects.unrestricted().create(
        kind="customers.import",
        started_by=bank.head_a1,
        status=JobStatus.SUCCEEDED,
        params={"file": "imports/gone.csv", "dry_run": True},
        result={"dry_run": True, "file": "imports/gone.csv", "imported": 1, "updated": 0},
    )
    client.force_login(bank.head_a1)
    # when
    detail = client.get(reverse("customers:import_detail", args=[preview.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(reverse("customers:import_confirm", args=[preview.pk]))
    # then
    assert "上传文件已过期并已删除，请重新上传。" in detail and "确认导入" not in detail
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("customers:customer_import")
    assert JobRun.objects.unrestricted().count() == 1
