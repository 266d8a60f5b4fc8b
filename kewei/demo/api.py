"""Demo systems that call the integration API: the core system, the mobile banking app
and the SMS platform, each with one token. Tokens are shown once, so the seeder writes
them to ``var/demo-api-tokens.txt`` (readable by its owner only) for trying the API."""

from __future__ import annotations

import os

from django.conf import settings

from kewei.api.models import Scope, ServiceAccount
from kewei.api.services import account_create, token_issue
from kewei.core.progress import Progress
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.organisation.models import Department
from kewei.organisation.roles import Role

SYSTEMS = [
    (
        "core-banking",
        "核心系统：推送当日流水、查询客户",
        ["products.push_transactions"],
        [Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE, Scope.HOLDINGS_READ, Scope.TRANSACTIONS_PUSH],
    ),
    (
        "mobile-app",
        "手机银行：客户积分、礼品目录和兑换",
        ["points.redeem_gift"],
        [Scope.CUSTOMERS_READ, Scope.POINTS_READ, Scope.POINTS_REDEEM],
    ),
    ("sms-platform", "短信平台：取件、回执和回复", ["messaging.relay_messages"], [Scope.MESSAGES]),
]


def tokens_file():
    return settings.KEWEI_DEMO_TOKENS_FILE


@register_seeder("api", order=80)
def seed_api(context: SeedContext, progress: Progress) -> dict[str, int]:
    head_office = Department.objects.filter(parent__isnull=True).order_by("path").first()
    lines = []
    for name, description, permissions, scopes in SYSTEMS:
        if ServiceAccount.objects.filter(name=name).exists():
            continue
        account = account_create(
            actor=None,
            name=name,
            description=description,
            department=head_office,
            roles=[Role.RETAIL_BANKING],
            permissions=permissions,
        )
        _token, clear = token_issue(actor=None, account=account, name="demo", scopes=scopes)
        lines.append(f"{name}\t{clear}\n")
    if lines:
        path = tokens_file()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            out.writelines(lines)
    return {"systems": len(lines)}
