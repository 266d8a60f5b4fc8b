"""``kewei rotate_keys``: every stored personal value re-encrypted under the newest key,
so the old key can be removed; run again, nothing left to do."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command

from kewei.core import crypto
from kewei.customers.models import Customer

pytestmark = pytest.mark.django_db


def _key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def _personal():
    return sorted(
        (c.pk, c.id_number, c.mobile, c.address, c.email) for c in Customer.objects.unrestricted()
    )


def test_rotate_keys_reencrypts_under_the_newest_key(bank, settings):
    # given: customers written under the old keys, then a new key put first
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [_key(1), *old_keys]
    from kewei.testing import factories

    factories.customer(department=bank.outlet_a1)
    expected = _personal()
    settings.FIELD_ENCRYPTION_KEYS = [_key(2), _key(1), *old_keys]
    # when
    out = io.StringIO()
    call_command("rotate_keys", "--batch", "2", stdout=out)
    # then: readable with the new key alone
    settings.FIELD_ENCRYPTION_KEYS = [_key(2)]
    assert _personal() == expected
    assert out.getvalue().startswith("已重新加密 ")
    # and run again, nothing is left to do
    again = io.StringIO()
    call_command("rotate_keys", stdout=again)
    assert again.getvalue().startswith("已重新加密 0 个值")


def test_without_rotation_the_old_key_is_still_needed(bank, settings):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [_key(1)]
    from kewei.testing import factories

    factories.customer(department=bank.outlet_a1)
    # when the old key is dropped without rotating
    settings.FIELD_ENCRYPTION_KEYS = [_key(2)]
    # then
    with pytest.raises(crypto.DecryptionError):
        _personal()
