"""The whole test suite, as ``make test`` runs it.

1. every test on the embedded default (SQLite), browser and Spark tests included;
2. every test again on a real PostgreSQL server, with the PostgreSQL-only tests
   (concurrency, triggers). The server is ``KEWEI_TEST_DATABASE_URL`` when given,
   otherwise a throw-away cluster started from the machine's binaries.

Without PostgreSQL binaries the second pass is skipped with a notice; in CI
(``CI=true``) that is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import subprocess
import sys

from kewei.testing.pgserver import PostgresUnavailable, temporary_postgres


def _pytest(args: list[str], env: dict[str, str]) -> int:
    return subprocess.run([sys.executable, "-m", "pytest", *args], env=env).returncode


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def main(argv: list[str]) -> int:
    base_env = {k: v for k, v in os.environ.items() if k != "KEWEI_DATABASE_URL"}
    print("== 第一轮 / pass 1: SQLite ==", flush=True)
    sqlite_status = _pytest(["-m", "not postgres", *argv], base_env)

    print("== 第二轮 / pass 2: PostgreSQL ==", flush=True)
    given = os.environ.get("KEWEI_TEST_DATABASE_URL")
    # The browser and Spark tests run once, in the SQLite pass, except those that need
    # PostgreSQL (the production server's); SQLite-only tests stay in the first pass.
    pg_args = ["-m", "((not browser and not spark) or postgres) and not sqlite", *argv]
    if given:
        pg_status = _pytest(pg_args, {**base_env, "KEWEI_DATABASE_URL": given})
    else:
        try:
            with temporary_postgres() as url:
                pg_status = _pytest(pg_args, {**base_env, "KEWEI_DATABASE_URL": url})
        except PostgresUnavailable as error:
            print(f"PostgreSQL 测试未运行 / PostgreSQL tests not run: {error}", flush=True)
            pg_status = 1 if in_ci() else 0
    return sqlite_status or pg_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
