"""Production settings: refuse to start without real secrets; secure transport and cookies.

``kewei check --deploy`` passes on these settings with no warning.
"""

from django.core.exceptions import ImproperlyConfigured

from kewei import env
from kewei.settings.base import *  # noqa: F403
from kewei.settings.base import (
    BLIND_INDEX_KEY,
    FIELD_ENCRYPTION_KEYS,
    INSECURE_BLIND_INDEX_KEY,
    INSECURE_FIELD_KEY,
    INSECURE_SECRET_KEY,
    SECRET_KEY,
)

DEBUG = False

if not env.raw("KEWEI_SECRET_KEY") or SECRET_KEY == INSECURE_SECRET_KEY:
    raise ImproperlyConfigured("生产环境必须设置 KEWEI_SECRET_KEY / KEWEI_SECRET_KEY is required")
if not env.raw("KEWEI_FIELD_ENCRYPTION_KEYS") or INSECURE_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "生产环境必须设置 KEWEI_FIELD_ENCRYPTION_KEYS / KEWEI_FIELD_ENCRYPTION_KEYS is required"
    )
if not env.raw("KEWEI_BLIND_INDEX_KEY") or BLIND_INDEX_KEY == INSECURE_BLIND_INDEX_KEY:
    raise ImproperlyConfigured(
        "生产环境必须设置 KEWEI_BLIND_INDEX_KEY / KEWEI_BLIND_INDEX_KEY is required"
    )

ALLOWED_HOSTS = env.str_list("KEWEI_ALLOWED_HOSTS")

# TLS is usually terminated by the bank's reverse proxy; it says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("KEWEI_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.integer("KEWEI_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
