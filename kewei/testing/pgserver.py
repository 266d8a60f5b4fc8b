"""A throw-away PostgreSQL server for tests and benchmarks, from the binaries on the machine.

``python -m kewei.testing.pgserver -- COMMAND ...`` starts a fresh cluster on a free
loopback port, runs COMMAND with ``KEWEI_DATABASE_URL`` pointing at it, and removes the
cluster afterwards. PostgreSQL refuses to run as root, so as root the cluster is created
and run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(result.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        path = Path(candidate)
        if (
            (path / "initdb").exists()
            and (path / "pg_ctl").exists()
            and (path / "postgres").exists()
        ):
            return path
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
        "install them (Debian: apt-get install postgresql) or set KEWEI_TEST_DATABASE_URL"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Memory settings of a production database server on this machine (24 GiB), for the
# benchmarks: PostgreSQL's defaults (128 MB of shared buffers) suit a laptop, not a bank.
PRODUCTION_MEMORY = {
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
}


@contextmanager
def temporary_postgres(settings: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the URL of a fresh, empty PostgreSQL cluster; stop and delete it afterwards.

    ``settings`` are extra server parameters (``-c name=value``)."""
    bindir = find_bindir()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="kewei-pg-"))
    if as_root:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as error:
            raise PostgresUnavailable("running as root needs a 'postgres' system user") from error
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
    port = _free_port()

    def run(*command: str) -> None:
        result = subprocess.run([*prefix, *command], capture_output=True, text=True)
        if result.returncode != 0:
            detail = result.stderr or result.stdout
            if log.exists():
                detail += log.read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"{command[0]} failed: {detail}")

    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    for name, value in (settings or {}).items():
        options += f" -c {name}={value}"
    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "kewei",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        try:
            yield f"postgres://kewei@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m kewei.testing.pgserver -- COMMAND ...", file=sys.stderr)
        return 2
    with temporary_postgres() as url:
        env = {**os.environ, "KEWEI_DATABASE_URL": url}
        return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
