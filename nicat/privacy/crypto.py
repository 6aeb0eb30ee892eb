"""Field encryption: AES-256-GCM under a keyring from NICAT_FIELD_KEYS (newest key first).

A stored value is `enc1:<key id>:<base64url(nonce || ciphertext+tag)>`. The key id is the first
8 hex digits of SHA-256 of the key, so a value names the key that sealed it and rotation can
re-seal values key by key. The associated data binds a value to its table and column: a
ciphertext moved to another column no longer opens. A value that cannot be opened raises
`DecryptionError`; it is never shown or re-saved as if it were data.
"""
import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
_URLSAFE = bytes.maketrans(b"-_", b"+/")


class DecryptionError(Exception):
    """A stored value could not be decrypted (unknown key, tampered or corrupt data)."""


def _decode_key(text):
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("A key in NICAT_FIELD_KEYS is not base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("Each key in NICAT_FIELD_KEYS must be 32 bytes (base64url-encoded).")
    return raw


def key_id(raw):
    return hashlib.sha256(raw).hexdigest()[:8]


class Keyring:
    def __init__(self, encoded_keys):
        if not encoded_keys:
            raise ImproperlyConfigured("NICAT_FIELD_KEYS holds no key.")
        self.keys = [_decode_key(k) for k in encoded_keys]
        self.by_id = {key_id(k): AESGCM(k) for k in self.keys}
        self.current_id = key_id(self.keys[0])

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self.by_id[self.current_id].encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return f"{PREFIX}:{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        return self.opener(context)(stored)

    def opener(self, context: str):
        """A function that decrypts the values of one column (`context`): what `decrypt` does, set up once
        for the many values of a column read whole (nicat.privacy.fields.EncryptedMixin.from_db_values)."""
        aad, by_id = context.encode(), self.by_id

        def open_value(stored: str) -> str:
            try:
                prefix, kid, body = stored.split(":", 2)
            except ValueError:
                raise DecryptionError(f"A value in {context} is not in the encrypted format.") from None
            if prefix != PREFIX:
                raise DecryptionError(f"A value in {context} is not in the encrypted format.")
            aead = by_id.get(kid)
            if aead is None:
                raise DecryptionError(f"A value in {context} was sealed with key {kid}, which is not in NICAT_FIELD_KEYS.")
            try:
                data = binascii.a2b_base64(body.encode("ascii").translate(_URLSAFE))  # base64.urlsafe_b64decode
                return aead.decrypt(data[:12], data[12:], aad).decode("utf-8")
            except Exception:
                raise DecryptionError(f"A value in {context} failed authentication (wrong key or altered data).") from None

        return open_value

    # Files (see nicat.privacy.storage): MAGIC, the key id (8 ASCII hex digits), nonce, ciphertext+tag.
    FILE_MAGIC = b"NICATF1\n"

    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self.by_id[self.current_id].encrypt(nonce, data, context.encode())
        return self.FILE_MAGIC + self.current_id.encode("ascii") + nonce + sealed

    def decrypt_bytes(self, stored: bytes, context: str) -> bytes:
        magic = self.FILE_MAGIC
        if not stored.startswith(magic) or len(stored) < len(magic) + 8 + 12 + 16:
            raise DecryptionError(f"A file in {context} is not in the encrypted format.")
        kid = stored[len(magic):len(magic) + 8].decode("ascii", "replace")
        aead = self.by_id.get(kid)
        if aead is None:
            raise DecryptionError(f"A file in {context} was sealed with key {kid}, which is not in NICAT_FIELD_KEYS.")
        body = stored[len(magic) + 8:]
        try:
            return aead.decrypt(body[:12], body[12:], context.encode())
        except Exception:
            raise DecryptionError(f"A file in {context} failed authentication (wrong key or altered data).") from None

    @classmethod
    def file_key_id_of(cls, head: bytes):
        magic = cls.FILE_MAGIC
        if head.startswith(magic) and len(head) >= len(magic) + 8:
            return head[len(magic):len(magic) + 8].decode("ascii", "replace")
        return None

    @staticmethod
    def key_id_of(stored: str):
        parts = stored.split(":", 2)
        return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


@lru_cache(maxsize=4)
def _keyring(keys):
    return Keyring(list(keys))


def keyring() -> Keyring:
    return _keyring(tuple(settings.NICAT_FIELD_KEYS))


def keyed_digests(message: str, purpose: str) -> list[bytes]:
    """HMAC-SHA256 of `message` under a subkey (for `purpose`) of each field key, the newest key's first: a code
    only the server can make, unchanged when SECRET_KEY is regenerated and still recognised after the field keys
    rotate (every key stays in the keyring). Never the field key itself: the subkey separates the uses."""
    message_bytes = message.encode("utf-8")
    digests = []
    for raw in keyring().keys:
        subkey = hmac.new(raw, f"nicat.keyed-digest\x00{purpose}".encode(), hashlib.sha256).digest()
        digests.append(hmac.new(subkey, message_bytes, hashlib.sha256).digest())
    return digests


def new_key() -> str:
    """A fresh random key for NICAT_FIELD_KEYS (32 bytes, base64url)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def blind_index(value: str, purpose: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value: equal inputs match, the value is not revealed."""
    key = settings.NICAT_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode("utf-8"), hashlib.sha256).hexdigest()
