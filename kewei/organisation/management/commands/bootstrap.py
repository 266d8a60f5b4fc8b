"""``kewei bootstrap``: a new installation's head office and first administrator.

Reads the password from standard input (``--password-stdin``) or asks for it, so it never
appears in the shell history. Refuses to run on an installation that has a head office.
"""

from __future__ import annotations

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kewei.organisation import services
from kewei.organisation.models import Department, DepartmentLevel
from kewei.organisation.roles import Role, sync_roles


class Command(BaseCommand):
    help = "初始化总行与首位系统管理员 / create the head office and the first administrator"

    def add_arguments(self, parser):
        parser.add_argument("--head-office-code", required=True)
        parser.add_argument("--head-office-name", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--employee-number", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args, **options):
        if Department.objects.filter(level=DepartmentLevel.HEAD_OFFICE).exists():
            raise CommandError("已初始化：总行已存在 / already bootstrapped: a head office exists")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码 / password: ")
        try:
            with transaction.atomic():
                sync_roles()
                head_office = services.department_create(
                    actor=None,
                    code=options["head_office_code"],
                    name=options["head_office_name"],
                    level=DepartmentLevel.HEAD_OFFICE,
                    parent=None,
                )
                admin = services.staff_create(
                    actor=None,
                    username=options["username"],
                    employee_number=options["employee_number"],
                    full_name=options["full_name"],
                    department=head_office,
                    roles=[Role.SYSTEM_ADMIN],
                    password=password,
                )
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(f"已创建总行 {head_office} 与系统管理员 {admin.username}")
