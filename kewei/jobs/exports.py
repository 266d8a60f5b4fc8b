"""XLSX exports run as page jobs: the shape every export shares.

The file lands under ``MEDIA_ROOT/exports`` (downloadable by the job's starter only),
progress is reported per row, and the export itself is audited with its criteria and
row count, in the same transaction as nothing else: an export changes no data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone

from kewei.audit.services import audit_record
from kewei.core.progress import Progress
from kewei.core.xlsx import write_xlsx
from kewei.jobs.registry import JobOutcome


def xlsx_export(
    *,
    actor,
    progress: Progress,
    name: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    total: int,
    audit_action: str,
    audit_details: dict[str, Any],
    summary: str,
) -> JobOutcome:
    """Write ``rows`` to a new workbook; ``summary`` may use ``%(count)d``."""
    progress.start(total, sheet_title)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = settings.MEDIA_ROOT / "exports" / f"{name}-{stamp}-{actor.pk}.xlsx"
    written = write_xlsx(path, sheet_title, headers, rows, on_row=progress.advance)
    audit_record(
        actor=actor,
        action=audit_action,
        note=json.dumps({**audit_details, "rows": written}, ensure_ascii=False, default=str),
    )
    summary = summary % {"count": written}
    progress.finish(summary)
    return JobOutcome(summary=summary, result_file=path, data={"rows": written})
