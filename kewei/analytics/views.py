"""The analytics dashboard (客户分析): one page whose numbers follow the user's data
scope, with charts drawn locally, each downloadable as PNG and its data as XLSX, and
drill-down from any segment or class to the customer search with that filter."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kewei.analytics import selectors, services
from kewei.analytics.forms import SettingsForm
from kewei.analytics.models import Segment, ValueClass
from kewei.core.charts import Bar, bar_chart, heat_grid
from kewei.core.money import format_money, yuan
from kewei.core.xlsx import write_xlsx
from kewei.organisation.models import DepartmentLevel

VIEW = "analytics.view_analytics"


def _day(request: HttpRequest) -> dt.date | None:
    wanted = request.GET.get("day", "")
    days = selectors.run_days()
    if wanted:
        try:
            chosen = dt.date.fromisoformat(wanted)
        except ValueError:
            raise Http404 from None
        if chosen not in days:
            raise Http404
        return chosen
    return days[0] if days else None


def _search(**params) -> str:
    return f"{reverse('customers:customer_search')}?{urlencode(params)}"


def _scope_title(request: HttpRequest) -> str:
    """Whose numbers the page shows: the user's book, or their department's."""
    if request.data_scope.customer_book:
        return _("我的客户")
    department = request.user.department
    if department.level < DepartmentLevel.OUTLET:
        return _("%(d)s（含下辖机构）") % {"d": department.name}
    return department.name


def _tables(user, day: dt.date) -> dict[str, tuple[list[str], list[list]]]:
    """Every chart's data as (headers, rows): what the page draws and the XLSX holds."""
    segments = selectors.by_segment(day)
    classes = selectors.by_class(day)
    grid = selectors.rf_grid(day)
    coverage = selectors.coverage_churn(day)
    return {
        "segments": (
            [_("客户分群"), _("客户数"), _("金融资产（元）")],
            [
                [str(label), segments.get(code, (0, 0))[0], yuan(segments.get(code, (0, 0))[1])]
                for code, label in Segment.choices
            ],
        ),
        "classes": (
            [_("价值类别"), _("客户数"), _("年贡献（元）"), _("近12个月资金周转（元）")],
            [
                [
                    str(label),
                    *[yuan(v) if i else v for i, v in enumerate(classes.get(c, (0, 0, 0)))],
                ]
                for c, label in ValueClass.choices
            ],
        ),
        "rf": (
            [_("最近活跃评分 R"), *[f"F{f}" for f in range(1, 6)]],
            [[f"R{5 - index}", *line] for index, line in enumerate(grid)],
        ),
        "coverage": (
            [_("产品覆盖（类）"), _("期初客户数"), _("流失客户数"), _("流失率")],
            [
                [
                    f"{coverage_}+" if coverage_ == 5 else str(coverage_),
                    customers,
                    churned,
                    round(churned / customers, 4) if customers else 0,
                ]
                for coverage_, customers, churned in coverage
            ],
        ),
        "flows": (
            [_("月份"), _("流入（元）"), _("流出（元）"), _("净流入（元）")],
            [
                [month.strftime("%Y-%m"), yuan(inflow), yuan(outflow), yuan(inflow - outflow)]
                for month, inflow, outflow in selectors.flow_months(day)
            ],
        ),
        "migration": _migration_table(day),
        "managers": _managers_table(user, day),
    }


def _tier_label(code: str, names: dict[str, str]) -> str:
    return names.get(code, code) if code else _("无等级")


def _migration_table(day: dt.date) -> tuple[list[str], list[list]]:
    from kewei.tiers.selectors import tier_names

    names = tier_names()
    old, new, grid, _evaluated = selectors.tier_migration(day)
    return (
        [_("原等级 → 新等级"), *[_tier_label(code, names) for code in new]],
        [[_tier_label(code, names), *line] for code, line in zip(old, grid, strict=True)],
    )


def _managers_table(user, day: dt.date) -> tuple[list[str], list[list]]:
    _before, rows = selectors.manager_performance(user, day)
    return (
        [
            _("客户经理"),
            _("所属机构"),
            _("管户数"),
            _("管户金融资产（元）"),
            _("较上期增长"),
            _("近30天联系次数"),
            _("达成5-20的天数"),
            _("工作日"),
            _("逾期任务"),
            _("投诉"),
            _("新开产品"),
        ],
        [
            [
                row.staff.full_name,
                row.staff.department.name,
                row.book,
                yuan(row.aum),
                None if row.aum_growth is None else round(row.aum_growth, 4),
                row.contacts,
                row.plan_days,
                row.working_days,
                row.overdue,
                row.complaints,
                row.products_sold,
            ]
            for row in rows
        ],
    )


@permission_required(VIEW, raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    context = {
        "day": day,
        "days": selectors.run_days(),
        "scope_title": _scope_title(request),
        "book": request.data_scope.customer_book,
    }
    if day is None:
        return render(request, "analytics/dashboard.html", context)
    tables = _tables(request.user, day)
    segments = [
        Bar(
            label=row[0],
            value=row[1],
            text=_("%(n)s 人") % {"n": f"{row[1]:,}"},
            href=_search(segment=code),
        )
        for (code, _label), row in zip(Segment.choices, tables["segments"][1], strict=True)
    ]
    classes = [
        Bar(
            label=row[0],
            value=row[1],
            text=_("%(n)s 人，年贡献 %(c)s") % {"n": f"{row[1]:,}", "c": format_money(row[2])},
            href=_search(value_class=code),
        )
        for (code, _label), row in zip(ValueClass.choices, tables["classes"][1], strict=True)
    ]
    coverage = [
        Bar(
            label=_("%(c)s 类产品") % {"c": row[0]},
            value=row[3] * 100,
            text=_("流失率 %(r).1f%%（%(n)s/%(t)s）")
            % {"r": row[3] * 100, "n": row[2], "t": row[1]},
            href=_search(
                categories_min=row[0].rstrip("+"),
                **({} if row[0].endswith("+") else {"categories_max": row[0]}),
            ),
        )
        for row in tables["coverage"][1]
    ]
    grid = [line[1:] for line in tables["rf"][1]]
    context.update(
        {
            "overview": selectors.overview(day),
            "model": selectors.churn_model(day),
            "at_risk": selectors.highest_risk(day),
            "period": selectors.coverage_period(day),
            "charts": [
                ("segments", _("RFM 客户分群"), bar_chart(segments, title=_("RFM 客户分群"))),
                ("classes", _("贡献 × 周转 A/B/C/D"), bar_chart(classes, title=_("价值类别"))),
                (
                    "rf",
                    _("最近活跃（R）× 活跃频次（F）"),
                    heat_grid(
                        [row[0] for row in tables["rf"][1]],
                        [f"F{f}" for f in range(1, 6)],
                        grid,
                        title=_("R × F"),
                    ),
                ),
                (
                    "coverage",
                    _("产品覆盖与流失率"),
                    bar_chart(coverage, title=_("产品覆盖与流失率")),
                ),
                (
                    "flows",
                    _("资金净流入（近12个月）"),
                    bar_chart(
                        [
                            Bar(label=row[0], value=float(row[3]), text=format_money(row[3]))
                            for row in tables["flows"][1]
                        ],
                        title=_("资金净流入"),
                    ),
                ),
                (
                    "migration",
                    _("客户等级迁移（最近一次评级）"),
                    heat_grid(
                        [row[0] for row in tables["migration"][1]],
                        tables["migration"][0][1:],
                        [row[1:] for row in tables["migration"][1]],
                        title=_("等级迁移"),
                        cell=64,
                    ),
                ),
            ],
            "flows_by_category": _labelled_categories(selectors.flows_by(day, "category")),
            "flows_by_outlet": (
                []
                if request.data_scope.customer_book
                else selectors.flows_by(day, "customer__department__name")
            ),
            "outflows": selectors.largest_net_outflows(day),
            "managers": tables["managers"],
        }
    )
    return render(request, "analytics/dashboard.html", context)


def _labelled_categories(rows):
    from kewei.products.models import Category

    labels = dict(Category.choices)
    return [(labels.get(code, code), inflow, outflow) for code, inflow, outflow in rows]


@permission_required(VIEW, raise_exception=True)
def chart_data(request: HttpRequest, chart: str) -> HttpResponse:
    """A chart's data as XLSX (aggregates within the user's scope; no personal data)."""
    day = _day(request)
    if day is None:
        raise Http404
    tables = _tables(request.user, day)
    if chart not in tables:
        raise Http404
    headers, rows = tables[chart]
    folder = Path(tempfile.mkdtemp(prefix="kewei-chart-"))
    path = folder / f"{chart}-{day.isoformat()}.xlsx"
    write_xlsx(path, chart, headers, rows)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    path.unlink()  # the open handle keeps the data until the response is sent
    folder.rmdir()
    return response


@permission_required("analytics.change_analyticssettings", raise_exception=True)
def settings_edit(request: HttpRequest) -> HttpResponse:
    config = services.settings_in_force()
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(config))
    if request.method == "POST" and form.is_valid():
        services.settings_save(actor=request.user, values=form.values())
        messages.success(request, _("分析设置已保存，自下一个分析日起生效。"))
        return redirect("analytics:settings")
    return render(request, "analytics/settings.html", {"form": form})
