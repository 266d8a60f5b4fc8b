"""Tokens: stored as a digest, shown once, scoped, revocable, bound to networks and
rate-limited; every write names the token in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kewei.api import services
from kewei.api.models import ApiToken, RateWindow, Scope, ServiceAccount
from kewei.api.tests.helpers import call, systems
from kewei.audit.models import AuditEvent
from kewei.organisation.roles import Role

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/customers/"


@pytest.fixture
def s():
    return systems()


def test_a_token_is_stored_only_as_its_digest(s):
    token = ApiToken.objects.get(account__name="core", name="t1")
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert s.core not in " ".join(stored)
    assert token.digest == services.digest(s.core)
    assert s.core.startswith(token.prefix)
    assert call("GET", CUSTOMERS, s.core).status_code == 200


def test_without_credentials_or_with_an_unknown_token_the_answer_is_401(s):
    anonymous = call("GET", CUSTOMERS)
    unknown = call("GET", CUSTOMERS, "kw_" + "x" * 43)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["code"] == "not_authenticated"
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "token_invalid"


def test_a_revoked_token_is_refused_from_the_next_request(s):
    token = ApiToken.objects.get(account__name="core", name="t1")
    assert call("GET", CUSTOMERS, s.core).status_code == 200
    services.token_revoke(actor=s.bank.admin, token=token)
    refused = call("GET", CUSTOMERS, s.core)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"
    assert AuditEvent.objects.filter(action="api.token.revoke").count() == 1
    # the account's other token still works
    assert call("GET", CUSTOMERS, s.core_reveal).status_code == 200


def test_an_expired_token_is_refused(s):
    ApiToken.objects.filter(account__name="core", name="t1").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert call("GET", CUSTOMERS, s.core).json()["code"] == "token_expired"


def test_a_disabled_account_is_refused(s):
    ServiceAccount.objects.filter(name="core").update(is_active=False)
    assert call("GET", CUSTOMERS, s.core).json()["code"] == "account_disabled"


def test_a_token_reaches_only_its_scopes(s):
    number = s.bank.customer_a1.customer_number
    # the mobile app's token reads points but not holdings, although its roles could
    assert call("GET", f"/api/v1/customers/{number}/points/", s.mobile).status_code == 200
    refused = call("GET", f"/api/v1/customers/{number}/holdings/", s.mobile)
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    assert "holdings:read" in refused.json()["message"]


def test_a_scope_does_not_widen_the_accounts_permissions(s):
    # the core token holds the tasks scope, but a retail banking role cannot push
    # transactions without the permission: the branch-B account lacks it
    refused = call(
        "POST",
        "/api/v1/transactions/batches/",
        s.branch_b,
        {"batch_id": "B1", "date": "2026-11-25", "transactions": [{}]},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "products.push_transactions" in refused.json()["message"]


def test_the_allow_list_admits_only_its_networks(s):
    ServiceAccount.objects.filter(name="core").update(allowed_networks=["10.1.0.0/16"])
    inside = call("GET", CUSTOMERS, s.core, environ={"REMOTE_ADDR": "10.1.2.3"})
    outside = call("GET", CUSTOMERS, s.core, environ={"REMOTE_ADDR": "10.2.0.1"})
    assert inside.status_code == 200
    assert outside.status_code == 403
    assert outside.json()["code"] == "address_not_allowed"


def test_bad_networks_are_refused_when_the_account_is_made(s):
    with pytest.raises(services.ApiAccessError):
        services.account_create(
            actor=None,
            name="x",
            department=s.bank.head_office,
            roles=[Role.RETAIL_BANKING],
            allowed_networks=["10.1.0.0/33"],
        )


def test_the_rate_limit_counts_per_token_and_minute(s):
    ServiceAccount.objects.filter(name="core").update(rate_per_minute=3)
    answers = [call("GET", CUSTOMERS, s.core).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = call("GET", CUSTOMERS, s.core)
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # another token of the account has its own count
    assert call("GET", CUSTOMERS, s.core_reveal).status_code == 200
    # the next minute starts again
    RateWindow.objects.update(minute=timezone.now() - dt.timedelta(minutes=2))
    assert call("GET", CUSTOMERS, s.core).status_code == 200


def test_a_write_is_audited_with_the_tokens_identity(s):
    response = call(
        "POST",
        "/api/v1/complaints/",
        s.core,
        {
            "customer": s.bank.customer_a1.customer_number,
            "department": "110101",
            "channel": "online",
            "category": "system",
            "description": "手机银行无法登录",
        },
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="complaints.record")
    token = ApiToken.objects.get(account__name="core", name="t1")
    assert token.label in event.actor_label
    assert "API" in event.actor_label


def test_a_service_account_cannot_sign_in_to_the_pages(s):
    account = ServiceAccount.objects.get(name="core")
    assert not account.staff.has_usable_password()


def test_staff_call_with_their_session_and_see_their_scope(client, s):
    client.force_login(s.bank.manager_a1)
    mine = call("GET", CUSTOMERS, client=client).json()
    numbers = {row["number"] for row in mine["results"]}
    assert numbers == {s.bank.customer_a1.customer_number}
    other = call("GET", f"{CUSTOMERS}{s.bank.customer_b1.customer_number}/", client=client)
    assert other.status_code == 404


def test_a_token_needs_known_scopes(s):
    account = ServiceAccount.objects.get(name="core")
    with pytest.raises(services.ApiAccessError):
        services.token_issue(
            actor=None, account=account, name="x", scopes=["customers:read", "root"]
        )
    token, _clear = services.token_issue(
        actor=None, account=account, name="y", scopes=[Scope.CUSTOMERS_READ, Scope.CUSTOMERS_READ]
    )
    assert token.scopes == ["customers:read"]


def test_the_command_adds_an_account_and_issues_a_token_once(s, capsys):
    from django.core.management import call_command

    call_command(
        "api_token",
        "account",
        "sms",
        "--department",
        "000000",
        "--role",
        Role.RETAIL_BANKING,
        "--permission",
        "messaging.relay_messages",
    )
    call_command("api_token", "issue", "sms", "--name", "p", "--scope", "messages")
    clear = capsys.readouterr().out.strip().splitlines()[-1]
    assert call("POST", "/api/v1/messages/outbox/", clear, {"limit": 5}).status_code == 200
    call_command("api_token", "revoke", clear[:10])
    assert call("POST", "/api/v1/messages/outbox/", clear, {"limit": 5}).status_code == 401
