"""Churn risk (流失预警): a transparent rule score and a trained model on the same
features, per customer on an evaluated day.

- Features (``engine/pipelines/analytics.FEATURES``): falling AUM, longer than usual
  since the last activity, a single product, an open complaint, the manager not in
  contact, and the activity and assets behind them.
- The rule score adds fixed points per warning sign (:data:`RULES`); its reasons are the
  signs present, shown for each customer.
- The model (scikit-learn's histogram gradient boosting, seeded, so a run is
  reproducible) is trained on features a year before the day with labels from the year
  after them, and evaluated on features at the day minus a year with labels up to the
  day: AUC and the precision of the top decile are stored and shown. Then it scores
  the customers on the day. With less than two years of history there is no model, and
  the rule score stands alone.
- Customers whose score reaches :data:`TASK_SCORE` get a care task for their manager
  (once while it stays open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.analytics import services
from kewei.analytics.models import ChurnModelRun, ChurnRisk, StagedSummary
from kewei.care.models import Contact, Task, TaskReason, TaskStatus
from kewei.care.services import due_date, tasks_routed
from kewei.complaints.models import Complaint
from kewei.complaints.services import OPEN
from kewei.core.bulk import bulk_insert_arrow, fetch_arrow
from kewei.core.calendar import add_months, month_start
from kewei.customers.models import Customer, CustomerStatus
from kewei.engine import runner
from kewei.engine.pipelines import analytics as pipeline
from kewei.engine.schemas import table
from kewei.products.feed.loading import wait_for_loads
from kewei.products.models import AssetsMonth

SEED = 20261126
TASK_SCORE = 60
# (code, label, points): the rule score's warning signs.
RULES = (
    ("aum_falling", gettext_lazy("资产三个月内下降超过三成"), 30),
    ("idle_long", gettext_lazy("距上次交易已超过平常间隔的两倍"), 25),
    ("single_product", gettext_lazy("只持有一类产品"), 15),
    ("complaint_open", gettext_lazy("有未办结的投诉"), 15),
    ("no_contact", gettext_lazy("客户经理超过 90 天未联系"), 15),
)
REASON_LABELS = {code: label for code, label, _points in RULES}


@dataclass
class Features:
    customer_ids: np.ndarray
    departments: np.ndarray
    managers: pa.Array  # nullable
    values: np.ndarray  # rows × FEATURES


_FEATURE_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("department_id", pa.int64()),
        ("manager_id", pa.int64()),
        *[(name, pa.float64()) for name in pipeline.FEATURES if name != "contact_gap"],
        ("last_contact", pa.string()),
    ]
)


def _fetch_features(day: dt.date, summary):
    this_month = month_start(day)
    expression = pipeline.churn_features(
        customers=table(Customer),
        activity=pipeline.rfm(summary, services.epoch_day(day)),
        assets=services.assets_at(day),
        months=table(AssetsMonth),
        month_now=add_months(this_month, -1),
        month_before=add_months(this_month, -4),
        complaints=table(Complaint),
        contacts=table(Contact),
        day=day,
        active_status=CustomerStatus.ACTIVE,
        open_statuses=tuple(OPEN),
    ).order_by("customer_id")
    return fetch_arrow(runner.to_sql(expression), _FEATURE_SCHEMA)


def features_on(day: dt.date) -> Features:
    """Every active customer's features on ``day`` (summary as of the day), as
    columns."""
    with transaction.atomic():
        # The staged summary of an earlier day is a shared work table: one at a time.
        wait_for_loads()
        summary = services.summary_as_of(day)
        rows = _fetch_features(day, summary)
        if summary.get_name() == StagedSummary._meta.db_table:
            services.clear_staged_summary()
    last = pc.cast(pc.utf8_slice_codeunits(rows.column("last_contact"), 0, 10), pa.date32())
    gap = pc.fill_null(pc.days_between(last, pa.scalar(day, pa.date32())), 999)
    columns = {name: rows.column(name) for name in rows.column_names}
    columns["contact_gap"] = gap
    values = (
        np.column_stack(
            [
                pc.fill_null(pc.cast(columns[name], pa.float64()), 0.0).to_numpy()
                for name in pipeline.FEATURES
            ]
        )
        if rows.num_rows
        else np.zeros((0, len(pipeline.FEATURES)))
    )
    return Features(
        customer_ids=rows.column("customer_id").to_numpy(),
        departments=rows.column("department_id").to_numpy(),
        managers=rows.column("manager_id").combine_chunks(),
        values=values,
    )


def rule_signs(values: np.ndarray) -> dict[str, np.ndarray]:
    """Which warning signs each row shows."""
    column = {name: values[:, index] for index, name in enumerate(pipeline.FEATURES)}
    return {
        "aum_falling": column["aum_change"] < -0.3,
        "idle_long": column["idle_ratio"] > 2,
        "single_product": column["single_product"] >= 1,
        "complaint_open": column["complaint_open"] >= 1,
        "no_contact": column["contact_gap"] > 90,
    }


def rule_scores(values: np.ndarray) -> np.ndarray:
    """The rule score (0–100) of every row."""
    signs = rule_signs(values)
    score = np.zeros(len(values), dtype=np.int64)
    for code, _label, points in RULES:
        score += signs[code] * points
    return score


def reasons_json(values: np.ndarray) -> pa.Array:
    """Each row's reasons as a JSON list of codes (column-wise)."""
    signs = rule_signs(values)
    listed = np.full(len(values), "", dtype=object)
    for code, *_rest in RULES:
        quoted = f'"{code}"'
        listed = np.where(
            signs[code], np.where(listed == "", quoted, listed + "," + quoted), listed
        )
    return pa.array("[" + listed + "]", pa.string())


def labels(customer_ids: np.ndarray, start: dt.date, end: dt.date):
    """For ``customer_ids``: whether each had assets at ``start`` (the customers at
    risk), and whether it churned by ``end`` (the coverage/churn table's rule)."""
    start_assets, lost = services.churn_period(start, end)
    schema = pa.schema([("customer_id", pa.int64())])
    base = start_assets.filter(start_assets.aum > 0).select("customer_id")
    base_ids = fetch_arrow(runner.to_sql(base), schema).column("customer_id").to_numpy()
    lost_ids = fetch_arrow(runner.to_sql(lost), schema).column("customer_id").to_numpy()
    return np.isin(customer_ids, base_ids), np.isin(customer_ids, lost_ids).astype(np.int64)


@dataclass(frozen=True)
class ChurnResult:
    customers: int
    high_risk: int
    tasks: int
    model: ChurnModelRun | None


def _train_and_evaluate(day: dt.date):
    """Train on features a year before the test period with its labels, evaluate on
    (day − 1y → day). None without the history or with a single class to learn."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    test_start = day - dt.timedelta(days=365)
    earliest = services.earliest_activity()
    if earliest is None:
        return None, None
    # A year before the test period, or as much of it as the history allows (the
    # features need a couple of months of activity behind them).
    train_start = max(day - dt.timedelta(days=730), earliest + dt.timedelta(days=60))
    if train_start > test_start - dt.timedelta(days=90):
        return None, None
    train = features_on(train_start)
    at_risk, y_train = labels(train.customer_ids, train_start, test_start)
    x_train, y_train = train.values[at_risk], y_train[at_risk]
    if len(np.unique(y_train)) < 2:
        return None, None
    test = features_on(test_start)
    at_risk, y_test = labels(test.customer_ids, test_start, day)
    x_test, y_test = test.values[at_risk], y_test[at_risk]
    model = HistGradientBoostingClassifier(
        random_state=SEED, max_iter=200, learning_rate=0.1, early_stopping=False
    )
    model.fit(x_train, y_train)
    predicted = model.predict_proba(x_test)[:, 1] if len(y_test) else np.zeros(0)
    rule = rule_scores(x_test)
    two_classes = len(np.unique(y_test)) == 2
    auc = float(roc_auc_score(y_test, predicted)) if two_classes else None
    rule_auc = float(roc_auc_score(y_test, rule)) if two_classes else None
    top = max(1, len(predicted) // 10)
    order = np.argsort(-predicted, kind="stable")[:top]
    run = ChurnModelRun(
        day=day,
        train_start=train_start,
        train_end=test_start,
        test_start=test_start,
        test_end=day,
        train_customers=len(y_train),
        test_customers=len(y_test),
        test_churn_rate=float(y_test.mean()) if len(y_test) else 0.0,
        auc=auc,
        top_decile_precision=float(y_test[order].mean()) if len(y_test) else 0.0,
        rule_auc=rule_auc,
        importances=_importances(model, x_test, y_test),
    )
    return model, run


def _importances(model, values: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Permutation importance on (a sample of) the evaluation period, per feature."""
    from sklearn.inspection import permutation_importance

    if len(np.unique(y)) < 2:
        return {}
    rng = np.random.default_rng(SEED)
    sample = rng.choice(len(y), size=min(len(y), 20000), replace=False)
    found = permutation_importance(
        model, values[sample], y[sample], n_repeats=3, random_state=SEED, scoring="roc_auc"
    )
    return {
        name: round(float(value), 4)
        for name, value in zip(pipeline.FEATURES, found.importances_mean, strict=True)
    }


def churn_refresh(*, day: dt.date) -> ChurnResult:
    """Score every active customer on ``day``; train and evaluate the model; make the
    care tasks of the customers at high risk. Running a day again gives the same rows."""
    model, run = _train_and_evaluate(day)
    now = features_on(day)
    scores = rule_scores(now.values)
    count = len(scores)
    probabilities = (
        pa.array(np.round(model.predict_proba(now.values)[:, 1], 6))
        if model is not None
        else pa.nulls(count, pa.float64())
    )
    rows = pa.table(
        {
            "day": pa.array([day.isoformat()] * count, pa.string()),
            "customer_id": pa.array(now.customer_ids, pa.int64()),
            "department_id": pa.array(now.departments, pa.int64()),
            "manager_id": now.managers,
            "score": pa.array(scores, pa.int64()),
            "probability": probabilities,
            "reasons": reasons_json(now.values),
        }
    )
    with transaction.atomic():
        ChurnRisk.objects.unrestricted().filter(day=day).delete()
        ChurnModelRun.objects.filter(day=day).delete()
        if run is not None:
            run.save()
        bulk_insert_arrow(ChurnRisk, rows)
        high = int((scores >= TASK_SCORE).sum())
        tasks = _tasks_for(day)
    return ChurnResult(count, high, tasks, run)


def _tasks_for(day: dt.date) -> int:
    """A care task for each customer at high risk on ``day`` who has no open churn task
    yet (chosen by one query)."""
    waiting = Task.objects.unrestricted().filter(
        reason=TaskReason.CHURN_RISK, status=TaskStatus.OPEN
    )
    new = list(
        ChurnRisk.objects.unrestricted()
        .filter(day=day, score__gte=TASK_SCORE)
        .exclude(customer_id__in=waiting.values("customer_id"))
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    today = max(day, timezone.localdate())
    made = 0
    for start in range(0, len(new), 5000):
        made += tasks_routed(
            customer_ids=new[start : start + 5000],
            reason=TaskReason.CHURN_RISK,
            title=_("流失预警：请联系客户了解情况"),
            subject=f"churn:{day.isoformat()}",
            on=day,
            due_on=due_date(day, 7, today),
        )
    return made
