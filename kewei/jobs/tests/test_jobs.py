import pytest

from kewei.jobs.models import JobRun, JobStatus
from kewei.jobs.registry import JobOutcome, register_job
from kewei.jobs.services import job_execute, job_start
from kewei.organisation.models import Department


@register_job("test.count_departments", "测试")
def _count_departments(*, actor, progress, fail=False):
    visible = list(Department.objects.values_list("code", flat=True))
    progress.start(len(visible))
    for _ in visible:
        progress.advance()
    if fail:
        raise ValueError("第 3 行数据有误")
    return JobOutcome(summary=",".join(sorted(visible)))


def test_job_runs_in_the_scope_of_its_starter(bank, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = job_start(actor=bank.head_a1, kind="test.count_departments", params={})
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert run.summary == "110101"  # the outlet head sees only their outlet
    assert (run.done, run.total) == (1, 1)


def test_failure_is_recorded(bank, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = job_start(actor=bank.admin, kind="test.count_departments", params={"fail": True})
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error == "第 3 行数据有误"


def test_execute_is_idempotent(bank, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = job_start(actor=bank.admin, kind="test.count_departments", params={})
    finished_at = JobRun.objects.get(pk=run.pk).finished_at
    assert finished_at is not None
    job_execute(str(run.pk))
    assert JobRun.objects.get(pk=run.pk).finished_at == finished_at


def test_unknown_kind_is_refused_before_writing(bank):
    with pytest.raises(LookupError):
        job_start(actor=bank.admin, kind="no.such.job", params={})
    assert JobRun.objects.count() == 0
