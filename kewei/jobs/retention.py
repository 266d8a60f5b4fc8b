"""How long files with personal data stay under ``MEDIA_ROOT``: exports (``exports/``,
``KEWEI_EXPORT_RETENTION_HOURS``) and import uploads with their error reports
(``imports/``, ``KEWEI_UPLOAD_RETENTION_HOURS``). :func:`media_prune` deletes the
expired ones and forgets them on the jobs that wrote them, so a download link answers
"已过期" rather than failing. It runs every night (``kewei run_daily``) and from
``kewei prune_imports``; run again, it finds nothing left to do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kewei.jobs.models import JobRun

EXPORTS, UPLOADS = "exports", "imports"


@dataclass(frozen=True)
class PruneResult:
    exports: int  # export files deleted
    uploads: int  # upload and report files deleted
    runs: int  # jobs whose result file was forgotten


def _expired_files(folder: Path, cutoff: dt.datetime) -> list[Path]:
    if not folder.is_dir():
        return []
    stamp = cutoff.timestamp()
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < stamp]


@transaction.atomic
def media_prune(
    *,
    now: dt.datetime | None = None,
    export_hours: int | None = None,
    upload_hours: int | None = None,
) -> PruneResult:
    """Delete export files older than ``export_hours`` and uploads older than
    ``upload_hours`` (by default the settings), and clear the result file of every job
    whose file is gone (deleted now or before), marking its result ``file_expired``."""
    now = now or timezone.now()
    hours = {
        EXPORTS: settings.KEWEI_EXPORT_RETENTION_HOURS if export_hours is None else export_hours,
        UPLOADS: settings.KEWEI_UPLOAD_RETENTION_HOURS if upload_hours is None else upload_hours,
    }
    root = settings.MEDIA_ROOT
    deleted = {}
    for folder, retention in hours.items():
        files = _expired_files(root / folder, now - dt.timedelta(hours=retention))
        for path in files:
            path.unlink(missing_ok=True)
        deleted[folder] = len(files)
    forgotten = 0
    # Jobs are run by their starter outside any data scope here: the batch sees them all.
    runs = JobRun.objects.unrestricted().exclude(result_file="").only("pk", "result_file", "result")
    for run in runs.iterator():
        if (root / run.result_file).is_file():
            continue
        result = {**(run.result or {}), "file_expired": True}
        JobRun.objects.unrestricted().filter(pk=run.pk).update(result_file="", result=result)
        forgotten += 1
    return PruneResult(exports=deleted[EXPORTS], uploads=deleted[UPLOADS], runs=forgotten)
