"""``kewei serve_demo [ADDR:PORT]``: the page server and a background-job worker together.

The demo needs no other server: jobs queue in the database and one ``kewei worker`` runs
them. Ctrl+C stops both.
"""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kewei.demo.organisation import DEMO_PASSWORD, NAMED_ACCOUNTS


class Command(BaseCommand):
    help = "启动演示服务（网页 + 后台任务） / serve the demo (pages and job worker)"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        worker = subprocess.Popen(
            [sys.executable, "-m", "kewei.cli", "worker", "--queue-name", "default,batch"]
        )
        self.stdout.write(f"\n客维演示系统 / Kewei demo: http://{addrport}/")
        self.stdout.write(f"演示账户密码 / demo password: {DEMO_PASSWORD}")
        for username, code, role in NAMED_ACCOUNTS:
            self.stdout.write(f"  {username:<12} {role.label}（{code}） / {role.value}")
        self.stdout.write("")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
