"""How the jobs app plugs into the rest: the nightly pruning of files with personal data."""

from __future__ import annotations

from kewei.core.daily import register_daily_step
from kewei.jobs.retention import media_prune


@register_daily_step("jobs.prune_media", order=95)
def _prune_media(day) -> str:
    """删除超过保留期的导出与上传文件 / delete exports and uploads past their retention."""
    # Retention runs by the clock, not by the business day: a night run again deletes
    # nothing more.
    result = media_prune()
    return (
        f"导出文件 / exports {result.exports}, 上传文件 / uploads {result.uploads}, "
        f"任务 / jobs {result.runs}"
    )
