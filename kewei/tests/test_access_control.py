"""Every view through anonymous, denied and allowed users (see kewei.testing.access)."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from kewei.audit.models import AuditEvent
from kewei.testing.access import PUBLIC_URLS, AccessCase


def _all_cases() -> list[AccessCase]:
    cases: list[AccessCase] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kewei."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_cases")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


CASES = _all_cases()


def _url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_url_has_an_access_case():
    covered = {case.url_name for case in CASES}
    missing = _url_names(get_resolver()) - covered - PUBLIC_URLS
    assert missing == set(), f"views without an access case: {sorted(missing)}"


def _request(client, case: AccessCase, url: str, bank):
    method = getattr(client, case.method)
    if case.json and case.method != "get":
        return method(
            url,
            data=json.dumps(case.data(bank)),
            content_type="application/json",
            headers=case.headers,
        )
    return method(url, data=case.data(bank), headers=case.headers)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_anonymous_is_sent_to_login(client, bank, case):
    # given
    url = case.url(bank)
    events_before = AuditEvent.objects.count()
    # when
    response = _request(client, case, url, bank)
    # then
    assert response.status_code == case.anonymous_status
    if case.anonymous_status == 302:
        assert response["Location"].startswith("/login/")
    else:
        assert response.json()["code"] == "not_authenticated"
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("case", [c for c in CASES if c.denied], ids=lambda c: c.id)
def test_denied_user_gets_no_access_and_changes_nothing(client, bank, case):
    # given
    url = case.url(bank)
    client.force_login(case.denied(bank))
    events_before = AuditEvent.objects.count()
    # when
    response = _request(client, case, url, bank)
    # then
    assert response.status_code == case.denied_status
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_allowed_user_gets_the_page(client, bank, case):
    url = case.url(bank)
    client.force_login(case.allowed(bank))
    response = _request(client, case, url, bank)
    assert response.status_code == case.allowed_status
