import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kewei.bench.measure import run_isolated
from kewei.bench.registry import Measured


def _workload(scale):
    block = bytearray(scale * 1024 * 1024)  # touch scale MiB
    return Measured(rows=scale, result={"blocks": [len(block)]})


def test_isolated_run_reports_rows_result_and_the_workloads_own_memory():
    small = run_isolated(_workload, 1)
    large = run_isolated(_workload, 200)
    assert (large.rows, large.result) == (200, {"blocks": [200 * 1024 * 1024]})
    # The child's peak, measured by the kernel, grows with what the workload allocated.
    assert large.peak_rss_mb - small.peak_rss_mb > 150
    assert large.seconds >= 0


def test_failure_in_the_child_is_reported():
    def broken(scale):
        raise ValueError("boom")

    with pytest.raises(RuntimeError, match="ValueError: boom"):
        run_isolated(broken, 1)


# The workloads run in forked processes with their own connections: the data must be
# committed for them to see it.
@pytest.mark.django_db(transaction=True)
def test_bench_command_compares_with_reference_and_writes_json(bank, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("bench", scale=5, only=["organisation.headcount"], no_seed=True, stdout=out)
    vendor = connection.vendor
    document = json.loads((tmp_path / "bench" / f"latest-{vendor}.json").read_text())
    (row,) = document["results"]
    assert row["workload"] == "organisation.headcount"
    assert row["rows"] == 7 and row["ratio"] is not None
    assert "organisation.headcount" in out.getvalue()


def test_unknown_benchmark_is_refused(db):
    with pytest.raises(CommandError, match="unknown benchmark"):
        call_command("bench", only=["nope"], no_seed=True)
