from django.urls import reverse
from openpyxl import load_workbook

from kewei.audit.models import AuditEvent
from kewei.audit.services import audit_record
from kewei.core.xlsx import neutralise
from kewei.jobs.models import JobRun, JobStatus


def test_neutralise_formula_prefixes():
    for dangerous in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("张三") == "张三"
    assert neutralise(5) == 5


def test_export_from_page_runs_as_job_and_is_audited(
    client, bank, settings, django_capture_on_commit_callbacks
):
    # given: an event whose text would be a formula in a spreadsheet
    audit_record(
        actor=bank.admin,
        action="organisation.staff.update",
        subject=bank.manager_a1,
        note='=HYPERLINK("http://evil")',
    )
    client.force_login(bank.auditor)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:event_export"), {"person": "admin"})
    # then: redirected to the job page; the job ran (immediate backend in tests)
    run = JobRun.objects.unrestricted().get()
    assert response["Location"] == reverse("jobs:job_detail", args=[run.pk])
    assert run.status == JobStatus.SUCCEEDED
    assert run.summary == "已导出 1 条审计记录。"
    workbook = load_workbook(settings.MEDIA_ROOT / run.result_file)
    rows = list(workbook.active.values)
    assert len(rows) == 2
    assert rows[1][9] == '\'=HYPERLINK("http://evil")'
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_id == bank.auditor.pk
    assert '"rows": 1' in export.note
    # and the result downloads for its owner only
    download = client.get(reverse("jobs:job_download", args=[run.pk]))
    assert download.status_code == 200
    client.force_login(bank.admin)
    assert client.get(reverse("jobs:job_download", args=[run.pk])).status_code == 404


def test_job_progress_partial_polls_until_finished(client, bank):
    run = JobRun.objects.create(
        kind="audit.export", started_by=bank.auditor, status=JobStatus.RUNNING, total=200, done=50
    )
    client.force_login(bank.auditor)
    partial = client.get(reverse("jobs:job_detail", args=[run.pk]), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body
    assert 'hx-trigger="every 1s"' in body and "（25%）" in body
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.SUCCEEDED, done=200)
    body = client.get(
        reverse("jobs:job_detail", args=[run.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-trigger" not in body and "（100%）" in body
