"""Benchmark workloads of the customer archive (registered with ``kewei bench``)."""

from __future__ import annotations

import csv
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings

from kewei.bench.registry import Measured, register_benchmark


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
        "samples": len(ordered),
    }


def _write_import_file(path: Path, rows: int, first: int = 0) -> None:
    """New customers with realistic names (Tianjin area codes, which the demo seeder does
    not use), so searches after the import see a bank's usual name distribution."""
    from kewei.customers.identity import check_character
    from kewei.demo.names import person_name
    from kewei.organisation.models import Department, DepartmentLevel

    outlets = list(
        Department.objects.filter(level=DepartmentLevel.OUTLET).values_list("code", flat=True)
    )
    rng = random.Random(20261126)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["姓名", "证件类型", "证件号码", "手机号码", "联系地址", "归属网点", "金融资产"]
        )
        for index in range(first, first + rows):
            # Mixed radix: every index gets its own (district, birthday, sequence).
            rest, day = divmod(index, 28)
            rest, month = divmod(rest, 12)
            rest, year = divmod(rest, 50)
            district, sequence = divmod(rest, 1000)
            birthday = f"{1950 + year}{month + 1:02d}{day + 1:02d}"
            first17 = f"12010{1 + district % 9}{birthday}{sequence:03d}"
            writer.writerow(
                [
                    person_name(rng),
                    "身份证",
                    first17 + check_character(first17),
                    f"13{rng.randrange(10**9):09d}",
                    f"天津市和平区南京路{index % 500}号",
                    rng.choice(outlets),
                    f"{rng.randrange(0, 5_000_000)}.{rng.randrange(100):02d}",
                ]
            )


@register_benchmark(
    "customers.import", description="批量导入客户（CSV，新客户） / bulk import of new customers"
)
def import_workload(scale: int) -> Measured:
    from kewei.customers.importing import import_customers

    rows = max(1000, min(scale, 200_000))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "customers.csv"
        _write_import_file(path, rows)
        started = time.perf_counter()
        result = import_customers(path)
        seconds = time.perf_counter() - started
    return Measured(
        rows=result.imported + result.updated + result.unchanged,
        seconds=seconds,
        figures={
            "rejected": result.rejected,
            "workers": result.workers,
            "cpus": os.cpu_count(),
        },
    )


@register_benchmark(
    "customers.import.stages",
    description="导入的两个阶段：准备（单进程）与写入 / import stages: prepare (one process) "
    "and write",
)
def import_stages_workload(scale: int) -> Measured:
    """What each stage of an import sustains on its own: preparing rows (validation,
    encryption, blind indexes, audit diffs) in one process, and writing prepared rows.
    An import with W worker processes on enough cores runs at about the lesser of the
    write rate and W times the prepare rate. The write is rolled back."""
    from django.db import transaction

    from kewei.core.bulk import batch_page_cache, collector_paused
    from kewei.core.progress import SilentProgress
    from kewei.customers import importing

    rows = max(1000, min(scale, 200_000))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "customers.csv"
        _write_import_file(path, rows, first=rows)  # others than customers.import's
        importer = importing.Importer(actor=None, dry_run=False, progress=SilentProgress())
        table = importing.read_table(path)
        importer.start(table)
        with collector_paused(), batch_page_cache():
            started = time.perf_counter()
            chunks = [importer.prepare(batch) for batch in table.batches]
            prepared = time.perf_counter() - started
            with transaction.atomic():
                started = time.perf_counter()
                for chunk in chunks:
                    importer.write_chunk(chunk)
                written = time.perf_counter() - started
                transaction.set_rollback(True)
    return Measured(
        rows=importer.result.imported,
        seconds=prepared + written,
        figures={
            "prepare_rows_per_s": round(rows / prepared),
            "write_rows_per_s": round(rows / written),
        },
    )


def _typical_queries(rng: random.Random):
    """Search-page requests as staff make them: (staff, query parameters)."""
    from django.db.models import Count

    from kewei.customers.models import Customer
    from kewei.organisation.models import Staff
    from kewei.organisation.roles import Role

    managers = list(
        Staff.objects.filter(groups__name=Role.CUSTOMER_MANAGER)
        .annotate(book_size=Count("book"))
        .filter(book_size__gt=0)[:10]
    )
    heads = list(Staff.objects.filter(groups__name=Role.OUTLET_HEAD)[:4])
    retail = list(Staff.objects.filter(groups__name=Role.RETAIL_BANKING)[:2])
    highest = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = list(
        Customer.objects.filter(pk__in=[rng.randrange(1, highest + 1) for _ in range(40)])[:20]
    )
    queries = []
    for person in sample:
        queries.append((rng.choice(heads + retail), {"text": person.id_number}))
        queries.append((rng.choice(heads + retail), {"text": person.mobile}))
        queries.append((rng.choice(managers + heads), {"text": person.name[:1]}))
        queries.append((rng.choice(heads + retail), {"text": person.name_initials[:2]}))
    for staff in managers + heads + retail:
        queries.append((staff, {}))  # "all my customers", largest first
        queries.append((staff, {"aum_min_wan": "50", "aum_max_wan": "300"}))
        queries.append((staff, {"birth_month": str(rng.randrange(1, 13))}))
        queries.append((staff, {"tags": "高尔夫", "aum_min_wan": "20"}))
        queries.append((staff, {"manager": "none", "sort": "name"}))
    return queries


@register_benchmark(
    "customers.search", description="客户搜索（计数 + 首页 50 条） / search: count and first page"
)
def search_workload(scale: int) -> Measured:
    from kewei.core.pagination import CappedPaginator
    from kewei.core.scope import scope_activated
    from kewei.customers.selectors import CustomerQuery, customer_search
    from kewei.organisation.selectors import data_scope_for

    rng = random.Random(7)
    queries = _typical_queries(rng)
    timings = []
    # One untimed round first: a running server answers from warm caches; the figures
    # are its steady state. (A bulk load just before evicts much of the cache.)
    for measured_round in (False, True, True, True):
        for staff, params in queries:
            query = CustomerQuery.from_params(params)
            started = time.perf_counter()
            with scope_activated(data_scope_for(staff)):
                page = CappedPaginator(customer_search(query), 50).get_page(1)
                list(page.object_list)
            if measured_round:
                timings.append((time.perf_counter() - started) * 1000)
    return Measured(rows=len(timings), seconds=sum(timings) / 1000, figures=_percentiles(timings))


@register_benchmark("customers.page", description="客户视图页面 / the customer page")
def page_workload(scale: int) -> Measured:
    from django.test import Client
    from django.test.utils import override_settings

    from kewei.customers.models import Customer

    rng = random.Random(11)
    count = Customer.objects.count()
    customers = list(
        Customer.objects.filter(
            pk__in=[rng.randrange(1, count + 1) for _ in range(400)],
            responsible_manager__isnull=False,
        ).select_related("responsible_manager")[:60]
    )
    timings = []
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        clients = {}
        for customer in customers:
            manager = customer.responsible_manager
            if manager.pk not in clients:
                clients[manager.pk] = Client()
                clients[manager.pk].force_login(manager)
            client = clients[manager.pk]
            for _ in range(3):
                started = time.perf_counter()
                response = client.get(customer.get_absolute_url())
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
    return Measured(rows=len(timings), seconds=sum(timings) / 1000, figures=_percentiles(timings))
