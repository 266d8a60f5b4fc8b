"""The production server (``kewei serve``: gunicorn) started on a free local port, for the
CI test of the production path and the load test (kewei.bench.load)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: str

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()


@contextmanager
def production_server(
    *, database_url: str, workers: int, threads: int = 4, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """``kewei serve --workers N`` on 127.0.0.1 with the base settings (so no TLS is
    needed) against ``database_url``; stopped (TERM, gracefully) at the end."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kewei.settings.base",
        "KEWEI_DATABASE_URL": database_url,
        "KEWEI_READY_MIN_WORKERS": "0",
        **(extra_env or {}),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # The production static storage serves what collectstatic wrote: into a folder of
    # this server's own.
    var_dir = tempfile.mkdtemp(prefix="kewei-serve-var-")
    env.setdefault("KEWEI_VAR_DIR", var_dir)
    subprocess.run(
        [sys.executable, "-m", "kewei.cli", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        check=True,
    )
    log = tempfile.NamedTemporaryFile(prefix="kewei-serve-", suffix=".log", delete=False)
    command = [
        sys.executable,
        "-m",
        "kewei.cli",
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log.name)
    try:
        _wait_until_up(server, timeout=60)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(var_dir, ignore_errors=True)


def _wait_until_up(server: LiveServer, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"kewei serve exited ({server.process.returncode}):\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"kewei serve did not answer within {timeout} s:\n{server.log()}")
