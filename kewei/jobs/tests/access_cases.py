from django.conf import settings
from django.urls import reverse

from kewei.jobs.models import JobRun, JobStatus
from kewei.testing.access import AccessCase


def _job(bank, with_file=False):
    result = ""
    if with_file:
        path = settings.MEDIA_ROOT / "exports" / "access-case.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x03\x04 test")
        result = "exports/access-case.xlsx"
    return JobRun.objects.create(
        kind="audit.export", started_by=bank.auditor, status=JobStatus.SUCCEEDED, result_file=result
    )


# A job and its result belong to whoever started it: anyone else finds nothing (404).
CASES = [
    AccessCase(
        "jobs:job_list",
        lambda b: reverse("jobs:job_list"),
        allowed=lambda b: b.auditor,
        denied=None,
    ),
    AccessCase(
        "jobs:job_detail",
        lambda b: reverse("jobs:job_detail", args=[_job(b).pk]),
        allowed=lambda b: b.auditor,
        denied=lambda b: b.admin,
    ),
    AccessCase(
        "jobs:job_download",
        lambda b: reverse("jobs:job_download", args=[_job(b, with_file=True).pk]),
        allowed=lambda b: b.auditor,
        denied=lambda b: b.head_a1,
    ),
]
