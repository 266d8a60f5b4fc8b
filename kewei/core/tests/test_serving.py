"""The production server's configuration: worker sizing, the gunicorn command line, the
JSON request log (masked) and the metrics endpoint's counters and guard."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from django.test import Client

from kewei.core import metrics
from kewei.core.gunicorn_conf import web_sizing
from kewei.core.logging import JsonFormatter, MaskPersonalDataFilter, RequestIdFilter
from kewei.core.management.commands.serve import gunicorn_argv
from kewei.core.request_context import request_id_var
from kewei.testing.factories import PASSWORD


def test_workers_default_to_two_per_cpu_plus_one_with_four_threads():
    # given / when / then
    assert web_sizing(1) == (3, 4)
    assert web_sizing(2) == (5, 4)
    assert web_sizing(4) == (9, 4)


def test_workers_are_capped_at_sixteen_on_a_large_machine():
    # given / when / then
    assert web_sizing(64) == (16, 4)


def test_unknown_cpu_count_counts_as_one():
    # given / when / then
    assert web_sizing(None) == (3, 4)


def test_workers_and_threads_from_the_environment_win():
    # given / when / then
    assert web_sizing(8, workers=2, threads=8) == (2, 8)


def test_workers_below_one_are_refused():
    # given / when / then
    with pytest.raises(ValueError, match="at least 1"):
        web_sizing(4, workers=-1)


def test_serve_runs_gunicorn_with_kewei_config_and_overrides():
    # given / when
    argv = gunicorn_argv(bind=["0.0.0.0:9000"], workers=2, threads=3)
    # then
    assert argv == [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:kewei.core.gunicorn_conf",
        "--bind",
        "0.0.0.0:9000",
        "--workers",
        "2",
        "--threads",
        "3",
        "kewei.wsgi:application",
    ]


def _json_line(record: logging.LogRecord) -> dict:
    for log_filter in (RequestIdFilter(), MaskPersonalDataFilter()):
        log_filter.filter(record)
    return json.loads(JsonFormatter().format(record))


def test_json_log_line_carries_request_fields_and_masks_personal_data():
    # given: a request log record whose message and extra fields hold an ID and a mobile
    token = request_id_var.set("req-12345678")
    try:
        record = logging.LogRecord(
            "kewei.request",
            logging.INFO,
            __file__,
            1,
            "looked up %s",
            ("110101199003077712",),
            None,
        )
        record.view = "customers:customer_search"
        record.user = "manager_a1"
        record.status = 200
        record.duration_ms = 12.5
        record.note = "called 13812345678"
        # when
        line = _json_line(record)
    finally:
        request_id_var.reset(token)
    # then
    assert line["message"] == "looked up 110101********7712"
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "INFO"
    assert line["logger"] == "kewei.request"
    assert (line["view"], line["user"], line["status"], line["duration_ms"]) == (
        "customers:customer_search",
        "manager_a1",
        200,
        12.5,
    )
    assert line["note"] == "called 138****5678"


def test_json_log_line_masks_a_traceback():
    # given
    try:
        raise ValueError("bad id 110101199003077712")
    except ValueError:
        record = logging.LogRecord(
            "kewei", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    # when
    line = _json_line(record)
    # then
    assert "110101********7712" in line["exception"]
    assert "110101199003077712" not in line["exception"]


def _sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_requests_are_counted_by_view_name_and_logged_as_one_line(bank, caplog):
    # given
    client = Client()
    client.login(username="manager_a1", password=PASSWORD)
    labels = {"view": "customers:customer_search", "method": "GET", "status": "200"}
    before = _sample("kewei_http_requests_total", **labels)
    timed = _sample("kewei_http_request_duration_seconds_count", view="customers:customer_search")
    # when
    with caplog.at_level(logging.INFO, logger="kewei.request"):
        response = client.get("/customers/?q=13812345678")
    # then
    assert response.status_code == 200
    assert _sample("kewei_http_requests_total", **labels) == before + 1
    assert _sample(
        "kewei_http_request_duration_seconds_count", view="customers:customer_search"
    ) == (timed + 1)
    [record] = [r for r in caplog.records if r.name == "kewei.request"]
    assert (record.view, record.user, record.status, record.method) == (
        "customers:customer_search",
        "manager_a1",
        200,
        "GET",
    )
    assert "13812345678" not in record.getMessage()


def test_a_server_error_is_counted_for_its_view(rf):
    # given: a view that answers 500
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.urls import ResolverMatch

    request = rf.get("/boom")
    request.user = AnonymousUser()

    def answer(request):
        request.resolver_match = ResolverMatch(answer, (), {}, url_name="boom_page")
        return HttpResponse(status=500)

    before = _sample("kewei_http_server_errors_total", view="boom_page")
    # when
    metrics.RequestMetricsMiddleware(answer)(request)
    # then
    assert _sample("kewei_http_server_errors_total", view="boom_page") == before + 1
    assert _sample("kewei_http_requests_total", view="boom_page", method="GET", status="500") == 1


@pytest.mark.django_db
def test_metrics_answer_loopback_in_prometheus_format(bank):
    # given
    Client().get("/healthz")
    # when
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    assert 'kewei_http_requests_total{method="GET",status="200",view="health"}' in body
    assert 'kewei_jobs_queued{queue="default"} 0.0' in body
    assert 'kewei_jobs_oldest_queued_age_seconds{queue="batch"} 0.0' in body
    assert "kewei_job_workers_alive 0.0" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "headers"),
    [
        ("10.1.2.3", {}),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),
        ("127.0.0.1", {"HTTP_X_REAL_IP": "203.0.113.9"}),
    ],
)
def test_metrics_are_not_found_from_elsewhere_or_through_the_proxy(bank, address, headers):
    # given / when
    response = Client(REMOTE_ADDR=address).get("/metrics", **headers)
    # then
    assert response.status_code == 404
    assert b"kewei_http_requests_total" not in response.content


@pytest.mark.django_db
def test_metrics_token_opens_them_from_any_address(bank, settings):
    # given
    settings.KEWEI_METRICS_TOKEN = "s3cret-scrape-token"
    client = Client(REMOTE_ADDR="10.9.9.9")
    # when
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    # then
    assert wrong.status_code == 404
    assert right.status_code == 200


@pytest.mark.django_db
def test_metrics_allow_list_takes_networks(bank, settings):
    # given
    settings.KEWEI_METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    # when
    inside = Client(REMOTE_ADDR="10.20.3.4").get("/metrics")
    outside = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    # then
    assert (inside.status_code, outside.status_code) == (200, 404)


def test_first_number_of_a_step_summary_is_its_rows():
    # given / when / then
    assert metrics._first_number("积分计提 12,345 行") == 12345
    assert metrics._first_number("无变化") is None


def _production_settings(tmp_path, **extra: str) -> tuple[int, dict, str]:
    """The production settings' proxy and upload values, read in a fresh interpreter."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("KEWEI_")}
    env.update(
        {
            "KEWEI_SECRET_KEY": "x" * 60,
            "KEWEI_FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMtbG9uZw==",
            "KEWEI_BLIND_INDEX_KEY": "production-blind-index-key",
            "KEWEI_ALLOWED_HOSTS": "kewei.bank.internal,.bank.internal",
            "KEWEI_VAR_DIR": str(tmp_path),
            **extra,
        }
    )
    code = (
        "import json, kewei.settings.production as s; print(json.dumps({n: getattr(s, n) for n in"
        " ['SECURE_PROXY_SSL_HEADER', 'USE_X_FORWARDED_HOST', 'SECURE_REDIRECT_EXEMPT',"
        " 'CSRF_TRUSTED_ORIGINS', 'FILE_UPLOAD_MAX_MEMORY_SIZE', 'DATA_UPLOAD_MAX_MEMORY_SIZE']}))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    values = json.loads(result.stdout) if result.returncode == 0 else {}
    return result.returncode, values, result.stderr


def test_production_trusts_the_proxy_scheme_and_not_its_host_by_default(tmp_path):
    # given / when
    code, values, _stderr = _production_settings(tmp_path)
    # then
    assert code == 0
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["USE_X_FORWARDED_HOST"] is False
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$", "^readyz$", "^metrics$"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://kewei.bank.internal",
        "https://*.bank.internal",
    ]
    assert values["FILE_UPLOAD_MAX_MEMORY_SIZE"] == 10 * 1024 * 1024
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 5 * 1024 * 1024


def test_production_without_a_proxy_trusts_no_forwarded_header(tmp_path):
    # given / when
    code, values, _stderr = _production_settings(
        tmp_path, KEWEI_BEHIND_PROXY="false", KEWEI_USE_X_FORWARDED_HOST="true"
    )
    # then
    assert code == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["USE_X_FORWARDED_HOST"] is False


def test_production_refuses_an_upload_limit_below_the_api_body_limit(tmp_path):
    # given / when
    code, _values, stderr = _production_settings(tmp_path, KEWEI_UPLOAD_MAX_MB="8")
    # then
    assert code != 0
    assert "KEWEI_UPLOAD_MAX_MB is below the API's KEWEI_API_JSON_MAX_BYTES" in stderr


def test_serve_refuses_to_start_before_collectstatic(settings, tmp_path):
    # given: the production static storage and an empty static folder
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    # when / then
    with pytest.raises(CommandError, match="run kewei collectstatic --noinput first"):
        call_command("serve")


def test_static_files_count_as_collected_once_the_manifest_exists(settings, tmp_path):
    # given
    from kewei.core.management.commands.serve import static_files_missing

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    missing_before = static_files_missing()
    (tmp_path / "staticfiles.json").write_text("{}")
    # when / then
    assert (missing_before, static_files_missing()) == (True, False)
