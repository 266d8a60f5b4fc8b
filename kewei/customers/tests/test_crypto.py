import base64
import hashlib
import hmac

import pytest
from django.db import connection

from kewei.core import crypto
from kewei.customers.models import Customer
from kewei.customers.services import identity_index, mobile_index


def _key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def test_round_trip_and_fresh_nonce(settings):
    settings.FIELD_ENCRYPTION_KEYS = [_key(1)]
    first, second = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


def test_rotation_keeps_old_values_readable(settings):
    settings.FIELD_ENCRYPTION_KEYS = [_key(1)]
    old = crypto.encrypt("11010519491231002X")
    settings.FIELD_ENCRYPTION_KEYS = [_key(2), _key(1)]
    assert crypto.decrypt(old) == "11010519491231002X"
    new = crypto.reencrypt(old)
    settings.FIELD_ENCRYPTION_KEYS = [_key(2)]
    assert crypto.decrypt(new) == "11010519491231002X"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old)


def test_tampering_is_detected(settings):
    settings.FIELD_ENCRYPTION_KEYS = [_key(1)]
    token = crypto.encrypt("secret")
    prefix, key_id, payload = token.split(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}")


def test_blind_index_is_keyed(settings):
    settings.BLIND_INDEX_KEY = "first-key"
    first = crypto.blind_index("13812345678", "mobile")
    assert first == crypto.blind_index("13812345678", "mobile")
    assert first != crypto.blind_index("13812345678", "id_number")
    settings.BLIND_INDEX_KEY = "second-key"
    assert crypto.blind_index("13812345678", "mobile") != first


@pytest.mark.parametrize("value", ["13812345678", "11010519491231002X", "张三" * 40])
def test_blind_index_is_hmac_sha256(settings, value):
    """The index keys its hash states once; the result is the standard HMAC of the value
    (a stored index stays valid)."""
    settings.BLIND_INDEX_KEY = "a-key"
    key = hashlib.sha256(b"kewei-blind-index" + b"a-key").digest()
    expected = hmac.new(key, f"mobile\x00{value}".encode(), "sha256").hexdigest()
    assert crypto.blind_index(value, "mobile") == expected
    assert crypto.blind_index(value, "mobile") == expected  # the states are not consumed


def test_personal_fields_are_not_stored_in_clear(bank):
    customer = bank.customer_a1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, address, id_number_index, mobile_index "
            "FROM customers_customer WHERE id = %s",
            [customer.pk],
        )
        stored = cursor.fetchone()
    assert "11010519491231002X" not in " ".join(stored)
    assert customer.mobile not in " ".join(stored)
    assert "中关村" not in stored[2]
    assert stored[3] == identity_index("resident_id", "11010519491231002X")
    assert stored[4] == mobile_index(customer.mobile)
    assert Customer.objects.get(pk=customer.pk).id_number == "11010519491231002X"
