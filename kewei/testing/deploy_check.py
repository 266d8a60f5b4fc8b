"""``kewei check --deploy`` on the production settings, with throw-away secrets.

Run by CI to prove that the production settings pass Django's deployment checks with no
warning (``--fail-level WARNING``).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys


def main() -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kewei.settings.production",
        "KEWEI_SECRET_KEY": secrets.token_urlsafe(50),
        "KEWEI_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "KEWEI_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "KEWEI_ALLOWED_HOSTS": "kewei.bank.internal",
    }
    command = [sys.executable, "-m", "kewei.cli", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
