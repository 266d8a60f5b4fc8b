"""Run one workload in a forked child process: its wall time and its own peak memory."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from django.db import connections

from kewei.bench.registry import Workload


@dataclass
class Run:
    seconds: float
    rows: int
    peak_rss_mb: float
    result: Any
    figures: dict[str, Any] | None = None


def run_isolated(workload: Workload, scale: int) -> Run:
    """Fork, run, report. The child's peak RSS is the memory the workload needed (on top
    of the loaded application), measured by the kernel rather than estimated."""
    connections.close_all()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        status = 0
        try:
            started = time.perf_counter()
            measured = workload(scale)
            seconds = time.perf_counter() - started
            if measured.seconds is not None:
                seconds = measured.seconds
            payload = {
                "seconds": seconds,
                "rows": measured.rows,
                "result": measured.result,
                "figures": measured.figures,
            }
        except BaseException as error:  # reported to the parent, never swallowed
            payload = {"error": f"{type(error).__name__}: {error}"}
            status = 1
        with os.fdopen(write_fd, "w") as pipe:
            json.dump(payload, pipe, default=str)
        connections.close_all()
        os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        payload = json.loads(pipe.read() or "{}")
    _, _, usage = os.wait4(pid, 0)
    if "error" in payload:
        raise RuntimeError(payload["error"])
    return Run(
        seconds=payload["seconds"],
        rows=payload["rows"],
        peak_rss_mb=usage.ru_maxrss / 1024,
        result=payload["result"],
        figures=payload.get("figures"),
    )
