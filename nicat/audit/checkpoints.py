"""Signed checkpoints of the audit chain (Ed25519).

A checkpoint signs (sequence, hash) of one event. Whoever holds a checkpoint (the database, or an
outside institution that received an export) can later prove that the chain up to that event was
not rewritten: rewriting it changes the hash, and a new signature needs the private key, which
never enters the database.

Private key: env `NICAT_AUDIT_SIGNING_KEY` (base64 of the raw 32-byte Ed25519 private key) or the
file named by `NICAT_AUDIT_SIGNING_KEY_FILE` (same content). With `NICAT_DEV` and neither set, one
is generated into `VAR_DIR/audit-signing.key` (mode 0600). Public keys of earlier (rotated) keys
are trusted through `NICAT_AUDIT_TRUSTED_PUBLIC_KEYS` (comma-separated base64 raw public keys).
"""
import base64
import binascii
import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from nicat.audit.chain import canonical_json, format_time
from nicat.audit.models import AuditCheckpoint, AuditEvent
from nicat.audit.services import _lock_chain, chain_head

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "nicat-audit-checkpoints/1"
MESSAGE_TYPE = "nicat-audit-checkpoint/1"


class SigningKeyMissing(ImproperlyConfigured):
    pass


def _b64decode(text):
    text = text.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None,
                                validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("An audit signing key is not valid base64.") from exc


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw_public(public_key)).decode()


def _setting(name):
    return getattr(settings, name, None) or os.environ.get(name, "")


def _private_from_text(text, origin):
    raw = _b64decode(text)
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{origin} must hold the base64 of a raw 32-byte Ed25519 private key.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _dev_key_path() -> Path:
    return Path(settings.VAR_DIR) / "audit-signing.key"


def _ensure_dev_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text()
    text = base64.b64encode(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())).decode()
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")
    return text


@lru_cache(maxsize=8)
def _load(env_key, key_file, dev, dev_path):
    if env_key:
        return _private_from_text(env_key, "NICAT_AUDIT_SIGNING_KEY")
    if key_file:
        try:
            text = Path(key_file).read_text()
        except OSError as exc:
            raise ImproperlyConfigured(f"NICAT_AUDIT_SIGNING_KEY_FILE cannot be read: {exc.strerror}.") from exc
        return _private_from_text(text, "NICAT_AUDIT_SIGNING_KEY_FILE")
    if dev:
        text = _ensure_dev_key(Path(dev_path))
        if text.strip():
            return _private_from_text(text, str(dev_path))
        raise ImproperlyConfigured(f"{dev_path} is empty; delete it to have a new development key generated.")
    return None


def signing_key(required=True):
    """The Ed25519 private key, or None (required=False) when none is configured."""
    key = _load(_setting("NICAT_AUDIT_SIGNING_KEY"), _setting("NICAT_AUDIT_SIGNING_KEY_FILE"),
                bool(getattr(settings, "NICAT_DEV", False)), str(_dev_key_path()))
    if key is None and required:
        raise SigningKeyMissing(
            "No audit signing key: set NICAT_AUDIT_SIGNING_KEY or NICAT_AUDIT_SIGNING_KEY_FILE (see docs/audit.md).")
    return key


def trusted_public_keys() -> dict:
    """{key id: public key} this installation trusts: its own key and NICAT_AUDIT_TRUSTED_PUBLIC_KEYS."""
    keys = {}
    own = signing_key(required=False)
    if own is not None:
        keys[key_id(own.public_key())] = own.public_key()
    extra = _setting("NICAT_AUDIT_TRUSTED_PUBLIC_KEYS")
    if isinstance(extra, (list, tuple)):
        extra = ",".join(extra)
    for text in (extra or "").split(","):
        if text.strip():
            raw = _b64decode(text)
            if len(raw) != 32:
                raise ImproperlyConfigured("NICAT_AUDIT_TRUSTED_PUBLIC_KEYS holds a value that is not a 32-byte key.")
            pub = Ed25519PublicKey.from_public_bytes(raw)
            keys[key_id(pub)] = pub
    return keys


def message(sequence: int, hash: str, signed_at: str) -> bytes:
    """The exact bytes that are signed."""
    return canonical_json({"type": MESSAGE_TYPE, "sequence": int(sequence), "hash": hash,
                           "signed_at": signed_at}).encode("ascii")


def checkpoint_after_append(sequence, hash):
    """The checkpoint every NICAT_AUDIT_CHECKPOINT_EVERY events (registered with the services in
    AuditConfig.ready())."""
    try:
        create_checkpoint(sequence=sequence, hash=hash)
    except SigningKeyMissing:
        # The chain stays intact; the checkpoint can be made later with `nicat audit checkpoint`.
        # Refusing a case worker's action because the operator forgot a key would harm victims.
        logger.error("Audit checkpoint at sequence %s skipped: no signing key configured.", sequence)


def create_checkpoint(*, sequence=None, hash=None) -> AuditCheckpoint:
    """Sign (sequence, hash) — by default of the last event — and store the checkpoint.

    Idempotent: an existing checkpoint at that sequence is returned unchanged. Raises
    SigningKeyMissing when no key is configured, ValueError when there is no event to sign.
    """
    key = signing_key()
    with transaction.atomic(savepoint=False):
        if sequence is None:
            with connection.cursor() as cursor:
                _lock_chain(cursor)
                sequence, hash = chain_head(cursor)
            if not sequence:
                raise ValueError("The audit trail is empty; there is nothing to sign.")
        elif hash is None:
            hash = AuditEvent.objects.values_list("hash", flat=True).get(sequence=sequence)
        existing = AuditCheckpoint.objects.filter(sequence=sequence).first()
        if existing is not None:
            return existing
        now = timezone.now()
        signed_at = format_time(now)
        signature = base64.b64encode(key.sign(message(sequence, hash, signed_at))).decode()
        checkpoint = AuditCheckpoint(sequence=sequence, hash=hash, signed_at=now, signature=signature,
                                     public_key_id=key_id(key.public_key()))
        checkpoint.save(force_insert=True)
        return checkpoint


def checkpoint_dict(cp) -> dict:
    return {"sequence": cp.sequence, "hash": cp.hash, "signed_at": format_time(cp.signed_at),
            "signature": cp.signature, "public_key_id": cp.public_key_id}


def signature_valid(cp: dict, keys: dict) -> bool | None:
    """True/False, or None when the signing key is not among `keys`."""
    pub = keys.get(cp["public_key_id"])
    if pub is None:
        return None
    try:
        pub.verify(base64.b64decode(cp["signature"]), message(cp["sequence"], cp["hash"], cp["signed_at"]))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def export_checkpoints() -> dict:
    """Every checkpoint with the public keys that verify them, as a JSON-ready dict for witnesses."""
    checkpoints = [checkpoint_dict(cp) for cp in AuditCheckpoint.objects.order_by("sequence")]
    keys = trusted_public_keys()
    used = {cp["public_key_id"] for cp in checkpoints}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": format_time(timezone.now()),
        "public_keys": {kid: public_key_b64(pub) for kid, pub in sorted(keys.items()) if kid in used or not used},
        "checkpoints": checkpoints,
    }


def sign_head() -> AuditCheckpoint | None:
    """A checkpoint of the chain head now (None when the trail is empty or no key is configured)."""
    try:
        return create_checkpoint()
    except (SigningKeyMissing, ValueError):
        return None


def write_export(path, *, head=True) -> dict:
    """Export the checkpoints for witnesses — first signing the head, so that the witness holds the
    chain as it is now: events deleted later, even after the last periodic checkpoint, are detected."""
    if head:
        sign_head()
    data = export_checkpoints()
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
    else:
        Path(path).write_text(text)
    return data


def load_export(path) -> tuple[list, dict]:
    """(checkpoints, {key id: public key}) from an exported file; raises ValueError if malformed."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read as a checkpoint export: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{path} is not a Nicat audit checkpoint export ({EXPORT_FORMAT}).")
    keys = {}
    for kid, text in (data.get("public_keys") or {}).items():
        pub = Ed25519PublicKey.from_public_bytes(_b64decode(text))
        if key_id(pub) != kid:
            raise ValueError(f"{path}: public key {kid} does not match its id.")
        keys[kid] = pub
    checkpoints = []
    for cp in data.get("checkpoints") or []:
        try:
            checkpoints.append({"sequence": int(cp["sequence"]), "hash": str(cp["hash"]),
                                "signed_at": str(cp["signed_at"]), "signature": str(cp["signature"]),
                                "public_key_id": str(cp["public_key_id"])})
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: a checkpoint entry is incomplete.") from exc
    return checkpoints, keys
