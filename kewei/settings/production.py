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
    KEWEI_API_JSON_MAX_BYTES,
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

# Behind the bank's reverse proxy (nginx, F5: deploy/nginx/kewei.conf), which terminates
# TLS and says so in X-Forwarded-Proto. Only ever trust that header when the proxy is the
# only way in (gunicorn listens on loopback or a private interface) and the proxy sets it
# itself, overwriting what a client sent: KEWEI_BEHIND_PROXY=false turns it off.
KEWEI_BEHIND_PROXY = env.boolean("KEWEI_BEHIND_PROXY", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if KEWEI_BEHIND_PROXY else None
# The proxy passes the browser's Host itself (proxy_set_header Host $host); use
# X-Forwarded-Host/-Port only if it rewrites Host and sets these instead.
USE_X_FORWARDED_HOST = KEWEI_BEHIND_PROXY and env.boolean("KEWEI_USE_X_FORWARDED_HOST", False)
USE_X_FORWARDED_PORT = KEWEI_BEHIND_PROXY and env.boolean("KEWEI_USE_X_FORWARDED_PORT", False)
SECURE_SSL_REDIRECT = env.boolean("KEWEI_SECURE_SSL_REDIRECT", True)
# Health checks and the metrics scrape come from the load balancer and monitoring over
# plain HTTP on the internal network: no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.integer("KEWEI_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("KEWEI_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.boolean("KEWEI_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Forms posted from the HTTPS addresses of the allowed hosts, unless given explicitly.
CSRF_TRUSTED_ORIGINS = env.str_list(
    "KEWEI_CSRF_TRUSTED_ORIGINS",
    [
        # ".bank.internal" (a domain and its subdomains) is "https://*.bank.internal" here.
        f"https://*{host}" if host.startswith(".") else f"https://{host}"
        for host in ALLOWED_HOSTS
        if host and "*" not in host and host != "."
    ],
)

# Upload limits. The largest request is a customer import (a CSV or XLSX file of up to
# 200,000 rows, about 40 MB) or an API JSON body (KEWEI_API_JSON_MAX_BYTES): the proxy's
# client_max_body_size is KEWEI_UPLOAD_MAX_MB. Django keeps an uploaded file in memory up
# to FILE_UPLOAD_MAX_MEMORY_SIZE, then on disk; form fields (without files) may total
# DATA_UPLOAD_MAX_MEMORY_SIZE.
KEWEI_UPLOAD_MAX_MB = env.integer("KEWEI_UPLOAD_MAX_MB", 100)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.integer("KEWEI_FILE_UPLOAD_MEMORY_MB", 10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("KEWEI_DATA_UPLOAD_MAX_MB", 5) * 1024 * 1024
if KEWEI_UPLOAD_MAX_MB * 1024 * 1024 < KEWEI_API_JSON_MAX_BYTES:
    raise ImproperlyConfigured(
        "KEWEI_UPLOAD_MAX_MB 小于 API 请求体上限 KEWEI_API_JSON_MAX_BYTES"
        " / KEWEI_UPLOAD_MAX_MB is below the API's KEWEI_API_JSON_MAX_BYTES"
    )
