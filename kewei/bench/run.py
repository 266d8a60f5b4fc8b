"""``make bench``: the benchmark suite on a fresh SQLite file, then on a throw-away
PostgreSQL server when the machine has its binaries."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from kewei.testing.pgserver import PRODUCTION_MEMORY, PostgresUnavailable, temporary_postgres


def _kewei(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "kewei.cli", *args], env=env, check=True)


def _suite(env: dict[str, str], passthrough: list[str]) -> None:
    _kewei("migrate", "--noinput", "--verbosity", "0", env=env)
    _kewei("bench", *passthrough, env=env)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="10000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args, rest = parser.parse_known_args(argv)
    passthrough = ["--scale", args.scale, *rest]
    engines = args.engines.split(",")
    var = Path(os.environ.get("KEWEI_VAR_DIR", "var")).resolve()
    if "sqlite" in engines:
        database = var / "bench" / f"bench-{args.scale}.sqlite3"
        database.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _suite(
            {
                **os.environ,
                "KEWEI_VAR_DIR": str(var),
                "KEWEI_DATABASE_URL": f"sqlite:///{database}",
            },
            passthrough,
        )
    if "postgresql" in engines:
        try:
            with temporary_postgres(PRODUCTION_MEMORY) as url:
                _suite(
                    {**os.environ, "KEWEI_VAR_DIR": str(var), "KEWEI_DATABASE_URL": url},
                    passthrough,
                )
        except PostgresUnavailable as error:
            print(f"PostgreSQL 基准未运行 / PostgreSQL benchmarks not run: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
