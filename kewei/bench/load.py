"""A bounded load test of the production server on this machine (loopback only).

    python -m kewei.bench.load --customers 1000000 --staff 100 --duration 180 [--with-night]

Seeds a demo bank (``kewei seed_demo``) in a fresh PostgreSQL cluster (or in
``--database-url``), starts ``kewei serve`` with ``--workers`` (4) processes, and runs
``--staff`` simulated staff at once, each in its own thread with its own session: it
signs in (with the CSRF token, as a browser does) and repeats a round for
``--duration`` seconds, with no pause between requests:

- a customer manager (客户经理): 我的今日, a customer search, a customer's page, a
  logged contact (记录联系);
- a teller (高柜柜员): a customer search, a customer's page, a gift redemption form and
  the redemption (礼品兑换).

It prints requests/s and p50/p95/p99 by page, and the errors (status >= 400 other than
an expected refusal, or a connection failure). ``--with-night`` runs ``kewei run_daily``
for the next business day during the load. Nothing but the standard library.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CUSTOMER_LINK = re.compile(r'href="/customers/(\d+)/"')
_GIFT_OPTION = re.compile(r'<option value="(\d+)"')
_IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
SEARCH_TERMS = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]


@dataclass
class Results:
    """Latencies (seconds) by page, and errors, shared by the staff threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            if error:
                self.errors[page].append(error)


class Session:
    """One staff member's browser: a keep-alive connection and its cookies."""

    def __init__(self, host: str, port: int, results: Results):
        self.host, self.port, self.results = host, port, results
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, page: str, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
            headers["Origin"] = f"http://{self.host}:{self.port}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.results.record(page, time.perf_counter() - started, type(error).__name__)
            return 0, ""
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        status = response.status
        self.results.record(page, elapsed, f"HTTP {status}" if status >= 400 else None)
        return status, text

    def sign_in(self, username: str, password: str) -> bool:
        _status, page = self.request("登录页 login page", "GET", "/login/")
        token = _CSRF_INPUT.search(page)
        if not token:
            return False
        status, _text = self.request(
            "登录 sign in",
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        )
        return status == 302


def _csrf(page: str) -> str:
    match = _CSRF_INPUT.search(page)
    return match.group(1) if match else ""


def manager_round(session: Session, number: int) -> None:
    _s, day = session.request("我的今日 my day", "GET", "/care/today/")
    term = urllib.parse.quote(SEARCH_TERMS[number % len(SEARCH_TERMS)])
    _s, found = session.request("客户搜索 search", "GET", f"/customers/?text={term}")
    customers = _CUSTOMER_LINK.findall(found) or _CUSTOMER_LINK.findall(day)
    if not customers:
        return
    customer = customers[number % len(customers)]
    _s, detail = session.request("客户页 customer page", "GET", f"/customers/{customer}/")
    session.request(
        "记录联系 log a contact",
        "POST",
        f"/care/customers/{customer}/contact/",
        {
            "csrfmiddlewaretoken": _csrf(detail),
            "channel": "phone",
            "purpose": "care",
            "outcome": "reached",
            "summary": "压力测试回访",
        },
    )


def teller_round(session: Session, number: int) -> None:
    term = urllib.parse.quote(SEARCH_TERMS[number % len(SEARCH_TERMS)])
    _s, found = session.request("客户搜索 search", "GET", f"/customers/?text={term}")
    customers = _CUSTOMER_LINK.findall(found)
    if not customers:
        return
    customer = customers[number % len(customers)]
    session.request("客户页 customer page", "GET", f"/customers/{customer}/")
    path = f"/points/customers/{customer}/redeem/"
    _s, form = session.request("兑换表单 redeem form", "GET", path)
    gift = _GIFT_OPTION.search(form)
    if not gift:  # nothing on offer to this customer (points too low): a real outcome
        return
    key = _IDEMPOTENCY.search(form)
    session.request(
        "礼品兑换 redeem a gift",
        "POST",
        path,
        {
            "csrfmiddlewaretoken": _csrf(form),
            "gift": gift.group(1),
            "quantity": "1",
            "idempotency_key": key.group(1) if key else uuid.uuid4().hex,
        },
    )


def _staff_accounts(count: int) -> list[tuple[str, str]]:
    """(username, role) of active customer managers and tellers, half and half."""
    import django

    django.setup()
    from kewei.organisation.models import Staff
    from kewei.organisation.roles import Role

    def of(role: str) -> list[str]:
        return list(
            Staff.objects.unrestricted()
            .filter(is_active=True, groups__name=role)
            .order_by("username")
            .values_list("username", flat=True)[:count]
        )

    managers, tellers = of(Role.CUSTOMER_MANAGER), of(Role.HIGH_COUNTER_TELLER)
    chosen: list[tuple[str, str]] = []
    while len(chosen) < count and (managers or tellers):
        if managers:
            chosen.append((managers.pop(0), "manager"))
        if tellers and len(chosen) < count:
            chosen.append((tellers.pop(0), "teller"))
    return chosen


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def report(results: Results, seconds: float) -> str:
    total = sum(len(v) for v in results.latencies.values())
    lines = [
        f"{total} requests in {seconds:.0f} s: {total / seconds:.1f} requests/s",
        f"{'page':<28}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    for page, values in sorted(results.latencies.items()):
        lines.append(
            f"{page:<28}{len(values):>8}"
            f"{_percentile(values, 0.50) * 1000:>9.0f}"
            f"{_percentile(values, 0.95) * 1000:>9.0f}"
            f"{_percentile(values, 0.99) * 1000:>9.0f}"
            f"{len(results.errors.get(page, [])):>8}"
        )
    for page, errors in sorted(results.errors.items()):
        kinds = defaultdict(int)
        for error in errors:
            kinds[error] += 1
        lines.append(f"errors on {page}: {dict(kinds)}")
    return "\n".join(lines)


def run_load(
    url: str, accounts: list[tuple[str, str]], password: str, duration: float
) -> tuple[Results, float]:
    parsed = urllib.parse.urlsplit(url)
    results = Results()
    deadline = time.monotonic() + duration

    def staff_member(username: str, role: str, index: int) -> None:
        session = Session(parsed.hostname, parsed.port, results)
        if not session.sign_in(username, password):
            results.record("登录 sign in", 0.0, f"sign-in refused for {username}")
            return
        round_ = manager_round if role == "manager" else teller_round
        number = index
        while time.monotonic() < deadline:
            round_(session, number)
            number += len(accounts)

    threads = [
        threading.Thread(target=staff_member, args=(username, role, index), daemon=True)
        for index, (username, role) in enumerate(accounts)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    return results, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--staff", type=int, default=100)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--with-night", action="store_true")
    parser.add_argument(
        "--database-url", help="an existing PostgreSQL database (default: a fresh cluster)"
    )
    parser.add_argument("--no-seed", action="store_true", help="the database is seeded already")
    args = parser.parse_args(argv)

    from kewei.testing.live_gunicorn import production_server
    from kewei.testing.pgserver import temporary_postgres

    with ExitStack() as stack:
        database_url = args.database_url or stack.enter_context(
            temporary_postgres({"max_connections": "200", "shared_buffers": "512MB"})
        )
        os.environ["KEWEI_DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kewei.settings.base")
        env = {**os.environ}
        kewei = [sys.executable, "-m", "kewei.cli"]
        if not args.no_seed:
            print(f"seeding {args.customers} customers ...", flush=True)
            subprocess.run([*kewei, "migrate", "--noinput", "-v", "0"], env=env, check=True)
            subprocess.run(
                [*kewei, "seed_demo", "--customers", str(args.customers), "--no-progress"],
                env=env,
                check=True,
            )
        accounts = _staff_accounts(args.staff)
        from kewei.demo.organisation import DEMO_PASSWORD

        if len(accounts) < args.staff:
            print(f"only {len(accounts)} managers and tellers in the bank", flush=True)
        server = stack.enter_context(
            production_server(
                database_url=database_url,
                workers=args.workers,
                threads=args.threads,
                extra_env={"KEWEI_LOG_LEVEL": "WARNING"},
            )
        )
        night = None
        if args.with_night:
            night = subprocess.Popen(
                [*kewei, "run_daily"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
        print(
            f"{len(accounts)} staff for {args.duration:.0f} s against {server.url}"
            f" ({args.workers} workers × {args.threads} threads)",
            flush=True,
        )
        results, seconds = run_load(server.url, accounts, DEMO_PASSWORD, args.duration)
        print(report(results, seconds), flush=True)
        if night is not None:
            output, _ = night.communicate()
            print(f"run_daily exited {night.returncode}:\n{output.decode(errors='replace')}")
        errors = sum(len(v) for v in results.errors.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
