"""``kewei serve_demo [ADDR:PORT]``: the production page server and a background-job
worker together.

The demo is served as production is (``kewei serve``: gunicorn with
kewei.core.gunicorn_conf, static files from ``kewei collectstatic`` through WhiteNoise)
and needs no other server: jobs queue in the database and one ``kewei worker`` runs
them. Ctrl+C stops both.
"""

from __future__ import annotations

import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError

from kewei.core.management.commands.serve import gunicorn_argv, static_files_missing
from kewei.demo.organisation import DEMO_PASSWORD, NAMED_ACCOUNTS


class Command(BaseCommand):
    help = "启动演示服务（网页 + 后台任务） / serve the demo (pages and job worker)"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        if static_files_missing():
            raise CommandError(
                "静态文件未收集，请先运行 kewei collectstatic --noinput"
                " / static files are not collected: run kewei collectstatic --noinput first"
            )
        worker = subprocess.Popen(
            [sys.executable, "-m", "kewei.cli", "worker", "--queue-name", "default,batch"]
        )
        self.stdout.write(f"\n客维演示系统 / Kewei demo: http://{addrport}/")
        self.stdout.write(f"演示账户密码 / demo password: {DEMO_PASSWORD}")
        for username, code, role in NAMED_ACCOUNTS:
            self.stdout.write(f"  {username:<12} {role.label}（{code}） / {role.value}")
        self.stdout.write("")
        self.stdout.flush()
        server = subprocess.Popen(gunicorn_argv(bind=[addrport]))
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in (server, worker):
                if process.poll() is None:
                    process.terminate()
            for process in (server, worker):
                try:
                    process.wait(timeout=35)
                except subprocess.TimeoutExpired:
                    process.kill()
