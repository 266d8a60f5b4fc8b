"""Encryption of personal data at rest and the keyed blind index for exact search.

- Values are encrypted with AES-256-GCM. The keys come from the environment
  (``KEWEI_FIELD_ENCRYPTION_KEYS``, newest first): new values use the first key, older
  values remain readable with any listed key, so keys can be rotated.
- Exact search (an ID number, a mobile) uses a blind index: HMAC-SHA256 under a separate
  key (``KEWEI_BLIND_INDEX_KEY``) of the normalised value. A plain hash would let anyone
  with the table enumerate every mobile number in seconds; the keyed one does not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "k1"


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with any configured key."""


def _decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=False)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured("KEWEI_FIELD_ENCRYPTION_KEYS: a key is not base64") from error
    if len(key) != 32:
        raise ImproperlyConfigured(
            "KEWEI_FIELD_ENCRYPTION_KEYS: each key must be 32 bytes (44 base64 characters)"
        )
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"kewei-key-id" + key).hexdigest()[:8]


def _keyring(encoded_keys: tuple[str, ...]) -> tuple[tuple[str, AESGCM], dict[str, AESGCM]]:
    if not encoded_keys:
        raise ImproperlyConfigured("KEWEI_FIELD_ENCRYPTION_KEYS is empty")
    ciphers = [(_key_id(key), AESGCM(key)) for key in map(_decode_key, encoded_keys)]
    return ciphers[0], dict(ciphers)


# The keys in use, read from the settings once: a bulk import encrypts and indexes
# millions of values, and every settings lookup costs as much as a blind index.
_current: dict[str, object] = {}


@receiver(setting_changed)
def _forget_current_keys(*, setting: str, **kwargs) -> None:
    if setting in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        _current.clear()


def _kept(name: str, build: Callable[[], Any]) -> Any:
    """The value ``build`` makes from the settings, made once (until they change)."""
    try:
        return _current[name]
    except KeyError:
        value = _current[name] = build()
        return value


def _current_keyring():
    return _kept("keyring", lambda: _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS)))


def encrypt(plaintext: str | None) -> str | None:
    if plaintext is None:
        return None
    (key_id, cipher), _ = _current_keyring()
    nonce = os.urandom(12)
    sealed = cipher.encrypt(nonce, plaintext.encode("utf-8"), key_id.encode())
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        prefix, key_id, payload = token.split(":", 2)
    except ValueError as error:
        raise DecryptionError("not an encrypted value") from error
    _, ciphers = _current_keyring()
    cipher = ciphers.get(key_id)
    if prefix != PREFIX or cipher is None:
        raise DecryptionError(f"no configured key {key_id!r} for this value")
    raw = base64.b64decode(payload)
    try:
        return cipher.decrypt(raw[:12], raw[12:], key_id.encode()).decode("utf-8")
    except Exception as error:  # InvalidTag: tampered value or wrong key
        raise DecryptionError("value does not decrypt with its key") from error


def _index_key(encoded: str) -> bytes:
    return hashlib.sha256(b"kewei-blind-index" + encoded.encode("utf-8")).digest()


_BLOCK = 64  # SHA-256's block size


def _index_states(key: bytes) -> tuple:
    """HMAC-SHA256 (RFC 2104) under ``key`` as its two keyed hash states, computed once.
    ``hmac.digest`` keys them again for every value: twice the cost of hashing an ID
    number, for every row of an import."""
    block = key.ljust(_BLOCK, b"\0")  # the key is a SHA-256 digest: shorter than a block
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    return inner, outer


def blind_index(normalised_value: str | None, purpose: str) -> str | None:
    """Keyed HMAC of a normalised value; ``purpose`` separates ID numbers from mobiles."""
    if not normalised_value:
        return None
    inner, outer = _kept(
        "index_states", lambda: _index_states(_index_key(settings.BLIND_INDEX_KEY))
    )
    inner = inner.copy()
    inner.update(f"{purpose}\x00{normalised_value}".encode())
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


def reencrypt(token: str | None) -> str | None:
    """The same value under the newest key (for key rotation)."""
    return encrypt(decrypt(token))


def json_sha256(value: object) -> str:
    """SHA-256 of a JSON value in canonical form (sorted keys): whether two requests or
    two batches carry the same content."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
