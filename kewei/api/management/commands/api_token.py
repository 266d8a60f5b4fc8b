"""``kewei api_token``: add a system that calls the API, issue or revoke its tokens
from the command line (the same services as the 接口接入 page)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kewei.api import services
from kewei.api.models import ApiToken, ServiceAccount
from kewei.organisation.models import Department


class Command(BaseCommand):
    help = "接口接入系统与令牌 / service accounts and tokens of the integration API"

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        account = commands.add_parser("account", help="添加接入系统 / add a service account")
        account.add_argument("name")
        account.add_argument("--department", required=True, help="机构代码 / department code")
        account.add_argument("--role", action="append", required=True, dest="roles")
        account.add_argument("--permission", action="append", default=[], dest="permissions")
        account.add_argument("--network", action="append", default=[], dest="networks")
        account.add_argument("--rate", type=int, default=600)
        issue = commands.add_parser("issue", help="签发令牌 / issue a token")
        issue.add_argument("account")
        issue.add_argument("--name", required=True)
        issue.add_argument("--scope", action="append", required=True, dest="scopes")
        revoke = commands.add_parser("revoke", help="吊销令牌 / revoke a token")
        revoke.add_argument("prefix", help="令牌前缀 / the token's prefix, e.g. kw_AbCdEfG")

    def handle(self, *args, action, **options):
        try:
            if action == "account":
                department = Department.objects.filter(code=options["department"]).first()
                if department is None:
                    raise CommandError(f"机构代码不存在 / no department {options['department']}")
                created = services.account_create(
                    actor=None,
                    name=options["name"],
                    department=department,
                    roles=options["roles"],
                    permissions=options["permissions"],
                    allowed_networks=options["networks"],
                    rate_per_minute=options["rate"],
                )
                self.stdout.write(f"account {created.name}")
            elif action == "issue":
                account = ServiceAccount.objects.filter(name=options["account"]).first()
                if account is None:
                    raise CommandError(f"没有接入系统 / no account {options['account']}")
                _token, clear = services.token_issue(
                    actor=None, account=account, name=options["name"], scopes=options["scopes"]
                )
                # The only time the token is shown.
                self.stdout.write(clear)
            else:
                tokens = list(ApiToken.objects.filter(prefix=options["prefix"][:10]))
                if len(tokens) != 1:
                    raise CommandError(f"前缀不唯一或不存在 / {len(tokens)} tokens match")
                services.token_revoke(actor=None, token=tokens[0])
                self.stdout.write(f"revoked {tokens[0].label}")
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
