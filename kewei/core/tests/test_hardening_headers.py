"""Every answer of the application (pages, downloads, the API) carries no-store, a
Content-Security-Policy and a Permissions-Policy; static files keep their caching."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from kewei.api.tests.helpers import call, systems
from kewei.jobs.tests.access_cases import _job

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def _assert_protected(answer):
    assert answer["Cache-Control"] == "no-store"
    assert answer["Content-Security-Policy"] == CSP
    assert answer["Permissions-Policy"].startswith("camera=(), microphone=(), geolocation=()")


def test_the_customer_page_is_not_stored_and_has_the_policies(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    assert answer.status_code == 200
    _assert_protected(answer)


def test_an_export_download_is_not_stored(client, bank):
    client.force_login(bank.auditor)
    answer = client.get(reverse("jobs:job_download", args=[_job(bank, with_file=True).pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    _assert_protected(answer)


def test_an_api_answer_is_not_stored():
    s = systems()
    answer = call("GET", "/api/v1/customers/", s.core)
    assert answer.status_code == 200
    _assert_protected(answer)


def test_the_sign_in_page_keeps_its_own_never_cache_and_has_the_policies(client):
    answer = client.get(reverse("login"))
    assert answer["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert answer["Content-Security-Policy"] == CSP


def test_static_files_keep_their_caching(client):
    answer = client.get(f"{settings.STATIC_URL}kewei/kewei.css")
    assert answer.status_code == 200
    assert "no-store" not in answer.get("Cache-Control", "")
    assert "Content-Security-Policy" not in answer


def test_no_template_has_inline_script_or_inline_handlers():
    """The policy allows no inline script: a handler attribute would silently not run."""
    import re
    from pathlib import Path

    root = Path(settings.PACKAGE_DIR)
    found = []
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", re.I)
    for path in root.glob("**/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if inline.search(line):
                found.append(f"{path.relative_to(root)}:{number}")
    assert found == []
