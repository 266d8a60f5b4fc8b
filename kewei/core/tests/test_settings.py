"""Production settings refuse to start without their secrets; deployment checks pass."""

import os
import subprocess
import sys

import pytest

from kewei.testing.deploy_check import main as deploy_check


def _import_production(extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEWEI_")}
    env.update(extra_env)
    code = "import kewei.settings.production"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "missing", ["KEWEI_SECRET_KEY", "KEWEI_FIELD_ENCRYPTION_KEYS", "KEWEI_BLIND_INDEX_KEY"]
)
def test_production_refuses_to_start_without_each_secret(missing, tmp_path):
    env = {
        "KEWEI_SECRET_KEY": "x" * 60,
        "KEWEI_FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMtbG9uZw==",
        "KEWEI_BLIND_INDEX_KEY": "production-blind-index-key",
        "KEWEI_ALLOWED_HOSTS": "kewei.bank.internal",
        "KEWEI_VAR_DIR": str(tmp_path),
    }
    del env[missing]
    result = _import_production(env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_pass_deploy_checks_without_warning():
    assert deploy_check() == 0


def test_health_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_request_id_is_returned_and_kept_from_proxy(client, db):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-req-0001")
    assert kept["X-Request-ID"] == "proxy-req-0001"
