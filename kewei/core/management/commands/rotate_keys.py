"""``kewei rotate_keys``: re-encrypt every stored personal value under the newest field
key (the first of ``KEWEI_FIELD_ENCRYPTION_KEYS``), so the older keys can be retired
(docs/operations.md, "Key rotation"). Run again, it re-encrypts nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.core.rotation import keys_rotate


class Command(BaseCommand):
    help = "用最新密钥重新加密个人信息 / re-encrypt personal data under the newest key"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="每批行数 / rows a batch")

    def handle(self, *args, batch, **options):
        result = keys_rotate(batch=batch)
        self.stdout.write(
            f"已重新加密 {result.values} 个值（{result.tables} 张表） / re-encrypted "
            f"{result.values} values ({result.tables} tables)"
        )
