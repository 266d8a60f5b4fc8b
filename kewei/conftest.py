"""Suite-wide fixtures and rules.

- Tests marked ``postgres`` need a PostgreSQL database; on another engine they skip.
- In CI (``CI=true``) a skipped test fails the run: nothing that must run in CI may
  silently not run there.
"""

from __future__ import annotations

import os

import pytest

from kewei.testing import factories


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        marker, reason = "sqlite", "SQLite only (runs in the SQLite pass)"
    else:
        marker, reason = "postgres", "needs PostgreSQL (runs in the PostgreSQL pass)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker(marker):
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if _in_ci() and skipped and exitstatus == 0:
        names = ", ".join(report.nodeid for report in skipped[:10])
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped, which CI does not allow: {names}")
        session.exitstatus = 1


@pytest.fixture
def bank(db):
    return factories.small_bank()
