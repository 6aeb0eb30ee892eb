"""Per-person data keys: envelope encryption that makes crypto-shredding possible.

Each person has a random 256-bit data key (`PersonKey`), stored wrapped by the field keyring
(NICAT_FIELD_KEYS, as any encrypted value). The person's identifying values are sealed with it:

    enc2:<kid>:<base64url(nonce || ciphertext+tag)>   (AES-256-GCM, associated data = table.column)

`kid` is 16 random hex digits naming the key, never the person. Destroying the key (`destroy`) makes
every value sealed with it unreadable wherever it is — the live database, the audit trail's sealed
old/new values, copies — because neither the field keys nor the index key can open it. Values still
sealed under the field keys (`enc1:`, persons registered before person keys existed) stay readable;
`nicat keys rotate` moves them under the person's key (nicat.privacy.rotation).

The same table holds the keys that seal the audit trail's copies of a case's values, one per case
(nicat.cases.models.CaseTrailKey): the trail is never re-sealed, so its key moves with the case when a
merge or its undo moves the case; erasing the person destroys them with hers.

Unwrapped keys are cached per process (bounded, for KEY_TTL seconds) so that a list of persons does
not unwrap a key per value; a destroyed key is dropped from this process's cache at once. Every erasure
also writes the erasure ledger (below), a file of this machine: a process that finds the ledger changed
since it last looked (one `stat` at most every half second, no query) forgets every key it holds, so the
other processes of the server stop opening a destroyed key at their next use of any key; the processes of another machine with
its own ledger, within KEY_TTL. A process also reads the ledger's new lines then: a key it names is erased without
asking the database (a list of erased persons asks nothing per person). A key is never logged, printed or put in
an exception.

Erasure ledger: `destroy` also appends the key id (random, not identifying) to the file
NICAT_ERASURE_LEDGER, kept beside the keys and outside the database backups. A database restored from
a backup made before an erasure still holds the wrapped key; `nicat retention reapply` destroys again
every key named in the ledger (docs/operations.md §3).
"""
import base64
import os
import threading
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nicat.privacy.crypto import DecryptionError

PREFIX = "enc2"
KEY_TTL = 600  # seconds an unwrapped key stays in a process's memory after it was last unwrapped
CACHE_SIZE = 20000
_WRAP_CONTEXT = "privacy_personkey.wrapped"


class KeyErased(DecryptionError):
    """The value was sealed with a person key that has been destroyed (the person was erased)."""


_cache: dict[str, tuple[bytes, float]] = {}  # kid -> (raw key, when it was opened)
_lock = threading.Lock()


def is_person_sealed(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX + ":")


def kid_of(stored: str):
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def create_key() -> str:
    """A new person data key, stored wrapped; returns its id (in the caller's transaction)."""
    from nicat.privacy.models import PersonKey

    raw = os.urandom(32)
    kid = os.urandom(8).hex()
    PersonKey.objects.create(kid=kid, wrapped=base64.urlsafe_b64encode(raw).decode())
    _remember(kid, raw)
    return kid


def _remember(kid, raw):
    with _lock:
        if len(_cache) >= CACHE_SIZE:
            for old in sorted(_cache, key=lambda k: _cache[k][1])[:CACHE_SIZE // 10]:
                _cache.pop(old, None)
        _cache[kid] = (raw, time.monotonic())


LEDGER_LOOK_EVERY = 0.5  # seconds: how often a process looks at the erasure ledger, at most
_ledger_seen: object = None  # the ledger's (inode, size, modification time) when this process last looked
_ledger_looked = -LEDGER_LOOK_EVERY  # when it last looked (time.monotonic)
# The key ids the ledger named when this process last found it changed: each was destroyed by a transaction that
# committed (the ledger is written on commit), so it is erased without asking the database.
_erased: frozenset[str] = frozenset()


def _ledger_mark():
    try:
        st = os.stat(ledger_path())
    except OSError:
        return ()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _forget_if_erased_elsewhere():
    """Forget every cached key when the erasure ledger changed since this process last looked: another process of
    this machine destroyed a key (the first look empties the cache too). A look is a `stat`; it is taken at most
    every LEDGER_LOOK_EVERY seconds (a read opens several values)."""
    global _ledger_seen, _ledger_looked, _erased
    now = time.monotonic()
    if now - _ledger_looked < LEDGER_LOOK_EVERY:
        return
    _ledger_looked = now
    mark = _ledger_mark()
    if mark != _ledger_seen:
        try:
            erased = frozenset(read_ledger())
        except (OSError, ValueError):  # unreadable: the keys it names are asked of the database, as before
            erased = _erased
        with _lock:
            _cache.clear()
            _ledger_seen = mark
            _erased = erased


def _key(kid) -> bytes:
    _forget_if_erased_elsewhere()
    hit = _cache.get(kid)
    if hit is not None and time.monotonic() - hit[1] < KEY_TTL:
        return hit[0]
    if kid in _erased:
        raise KeyErased("A value was sealed with a person data key that has been destroyed (erased person).")
    from nicat.privacy.models import PersonKey

    wrapped = PersonKey.objects.filter(kid=kid).values_list("wrapped", flat=True).first()
    if not wrapped:
        _cache.pop(kid, None)
        raise KeyErased("A value was sealed with a person data key that has been destroyed (erased person).")
    raw = base64.urlsafe_b64decode(wrapped)
    _remember(kid, raw)
    return raw


def preload(kids):
    """Unwrap the keys `kids` not cached yet in one query per 500 (before decrypting many persons at once:
    a list, a search), instead of one query per person."""
    from nicat.privacy.models import PersonKey

    _forget_if_erased_elsewhere()
    now = time.monotonic()
    missing = sorted({k for k in kids if k and not (k in _cache and now - _cache[k][1] < KEY_TTL) and k not in _erased})
    for start in range(0, len(missing), 500):
        for kid, wrapped in PersonKey.objects.filter(kid__in=missing[start:start + 500]).values_list("kid", "wrapped"):
            _remember(kid, base64.urlsafe_b64decode(wrapped))


def exists(kid) -> bool:
    from nicat.privacy.models import PersonKey

    return bool(kid) and PersonKey.objects.filter(kid=kid).exists()


def encrypt(kid: str, plaintext: str, context: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(kid)).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    return f"{PREFIX}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, context: str) -> str:
    kid = kid_of(stored)
    if kid is None:
        raise DecryptionError(f"A value in {context} is not in the person-key format.")
    raw = _key(kid)
    try:
        data = base64.urlsafe_b64decode(stored.split(":", 2)[2])
        return AESGCM(raw).decrypt(data[:12], data[12:], context.encode()).decode("utf-8")
    except Exception:
        raise DecryptionError(f"A value in {context} failed authentication under its person key "
                              f"(altered data).") from None


# Files (nicat.privacy.storage) of a record that hangs off a case are sealed under the data key of the case's
# person, so that erasing the person leaves them unreadable in every copy, backups included:
#     b"NICATF2\n" + kid (16 hex digits) + nonce (12) + AES-256-GCM(content, associated data = context)
FILE_MAGIC = b"NICATF2\n"
_FILE_HEAD = len(FILE_MAGIC) + 16


def file_kid_of(head: bytes):
    """The person key id a file is sealed under (from its first bytes), or None for any other file."""
    if head.startswith(FILE_MAGIC) and len(head) >= _FILE_HEAD:
        return head[len(FILE_MAGIC):_FILE_HEAD].decode("ascii", "replace")
    return None


def encrypt_bytes(kid: str, data: bytes, context: str) -> bytes:
    nonce = os.urandom(12)
    return FILE_MAGIC + kid.encode("ascii") + nonce + AESGCM(_key(kid)).encrypt(nonce, data, context.encode())


def decrypt_bytes(stored: bytes, context: str) -> bytes:
    """Open a file sealed by `encrypt_bytes`; KeyErased once the person's key is destroyed."""
    kid = file_kid_of(stored[:_FILE_HEAD])
    if kid is None or len(stored) < _FILE_HEAD + 12 + 16:
        raise DecryptionError(f"A file in {context} is not in the person-key format.")
    raw = _key(kid)
    body = stored[_FILE_HEAD:]
    try:
        return AESGCM(raw).decrypt(body[:12], body[12:], context.encode())
    except Exception:
        raise DecryptionError(f"A file in {context} failed authentication under its person key "
                              f"(altered data).") from None


def discard(kid):
    """Delete a key made in the caller's transaction that sealed nothing (it lost a race to be a case's trail key):
    not an erasure, so no line in the ledger."""
    from nicat.privacy.models import PersonKey

    PersonKey.objects.filter(kid=kid).delete()
    _cache.pop(kid, None)


def destroy(kid) -> bool:
    """Crypto-shredding: delete the wrapped key (in the caller's transaction), forget it in this process,
    and — once the transaction commits — write its id to the erasure ledger. True if a key was deleted."""
    return bool(kid) and destroy_all([kid]) > 0


def destroy_all(kids) -> int:
    """`destroy` for many keys (a retention run), 500 per query; returns how many keys were deleted."""
    from django.db import transaction

    from nicat.privacy.models import PersonKey

    kids = sorted({k for k in kids if k})
    deleted = 0
    for start in range(0, len(kids), 500):
        deleted += PersonKey.objects.filter(kid__in=kids[start:start + 500]).delete()[0]
    for kid in kids:
        _cache.pop(kid, None)
    if kids:
        transaction.on_commit(lambda: append_to_ledger(kids))
    return deleted


def forget_cache():
    with _lock:
        _cache.clear()


# --- The erasure ledger (outside the database) ------------------------------------------------------

def ledger_path():
    from django.conf import settings

    return str(settings.NICAT_ERASURE_LEDGER)


def append_to_ledger(kids):
    path = ledger_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    known = set(read_ledger())
    with open(path, "a", encoding="ascii") as fh:
        for kid in kids:
            if kid not in known:
                fh.write(f"{kid} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_ledger():
    try:
        with open(ledger_path(), encoding="ascii") as fh:
            return [line.split()[0] for line in fh if line.strip()]
    except FileNotFoundError:
        return []
