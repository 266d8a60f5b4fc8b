"""How the analytics plug into the rest: the nightly step and customer merges."""

from __future__ import annotations

from kewei.analytics import services
from kewei.core.daily import register_daily_step
from kewei.customers.services import register_merge_handler


@register_daily_step("analytics.refresh", order=70)
def _refresh(day) -> str:
    """更新分析数据（活跃度、每日指标） / refresh the analytics (activity, daily measures)."""
    result = services.analytics_refresh(day=day)
    return (
        f"流水 / transactions {result.absorbed.transactions}, 客户 / customers {result.customers}"
    )


@register_daily_step("analytics.churn", order=72)
def _churn(day) -> str:
    """流失风险评分与挽留任务 / score churn risk and create retention tasks."""
    from kewei.analytics.churn import churn_refresh

    result = churn_refresh(day=day)
    auc = f"{result.model.auc:.3f}" if result.model and result.model.auc is not None else "—"
    return f"高风险 / high risk {result.high_risk}, 任务 / tasks {result.tasks}, AUC {auc}"


def _after_merge(keep, duplicate) -> int:
    """Transactions moved to ``keep``: rebuild both customers' incremental rows."""
    services.activity_rebuild([keep.pk, duplicate.pk])
    return 0


register_merge_handler("analytics", _after_merge)
