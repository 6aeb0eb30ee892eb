"""Appending to the audit trail. `record` is the one way in; every service calls it inside its own
transaction, so the action and its audit event are committed together or not at all."""
import contextlib
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from nicat.audit.chain import canonical_parts
from nicat.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, canonical_json
from nicat.core import prepared
from nicat.core.context import request_context

logger = logging.getLogger(__name__)

# Key of the PostgreSQL transaction-level advisory lock that serialises appends ("NICAUDIT").
ADVISORY_LOCK_KEY = 0x4E49434155444954


def _json_safe(value):
    """Dates, UUIDs, decimals, model instances → JSON-native values (model instances by pk)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=_Encoder))


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, (set, frozenset)):
            return sorted(o, key=str)
        return super().default(o)


def _encrypted_field_names(model):
    from nicat.privacy.fields import EncryptedMixin

    names = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, EncryptedMixin):
            names[field.name] = field
            names[field.attname] = field
    return names


def seal_value(value, person_key=None) -> str:
    """Ciphertext of a value for the audit trail (old/new values of encrypted fields): under a data key when
    the record has one — its case's trail key, or the person's own key for a person's record (`trail_key`) —
    so that erasing the person makes the trail's copy unreadable too, without rewriting the chain; else
    under the field keyring."""
    text = json.dumps(value, cls=_Encoder, ensure_ascii=False)
    if person_key:
        from nicat.privacy import personkeys

        return personkeys.encrypt(person_key, text, "audit.changes")
    from nicat.privacy.crypto import keyring

    return keyring().encrypt(text, "audit.changes")


ERASED = object()  # what open_value gives for a value whose person data key was destroyed


def open_value(sealed: str):
    """The value sealed by `seal_value` (for supervisors who may see it); `ERASED` when the person was erased."""
    from nicat.privacy import personkeys

    if personkeys.is_person_sealed(sealed):
        try:
            return json.loads(personkeys.decrypt(sealed, "audit.changes"))
        except personkeys.KeyErased:
            return ERASED
    from nicat.privacy.crypto import keyring

    return json.loads(keyring().decrypt(sealed, "audit.changes"))


def seal_reason(text: str, person_key=None) -> str:
    """A reason the actor wrote that may describe the person (free text) as the event's `reason`: sealed like
    the values of encrypted fields (`seal_value`), so that the trail holds it as ciphertext; `reason_text`
    gives it back to the trail's readers."""
    return seal_value(text, person_key) if text else ""


def reason_text(stored: str):
    """The event's reason as written: opened when it was sealed (`seal_reason`), `ERASED` when the person's
    data key was destroyed, else as stored."""
    from nicat.privacy import crypto, personkeys

    if not stored or not (personkeys.is_person_sealed(stored) or stored.startswith(crypto.PREFIX + ":")):
        return stored
    return open_value(stored)


def unwrap_reason_keys(events):
    """Unwrap in one query the data keys that seal the reasons of `events` (a page of the trail, a person's
    report), before `reason_text` opens them one by one: each case's trail key would otherwise be read on its own
    by a process that has not unwrapped it in the last personkeys.KEY_TTL seconds — a query per case shown."""
    from nicat.privacy import personkeys

    personkeys.preload({personkeys.kid_of(e.reason) for e in events if personkeys.is_person_sealed(e.reason)})


def trail_key(owner):
    """The data key the trail seals `owner`'s values under: the key of its case (`trail_key_id`, which moves with
    the case when a merge or its undo moves it: nicat.cases.models.CaseTrailKey) for a case and a record of a case;
    the record's own key (`sealing_key_id`) for one that has no case (a person, a hotline contact); None: the
    field keys."""
    sealing = getattr(owner, "trail_key_id", None) or getattr(owner, "sealing_key_id", None)
    return sealing() if sealing else None


def diff(model_instance_or_class, before: dict, after: dict) -> dict:
    """`{field: [old, new]}` of the fields whose value changed; values of encrypted fields are
    sealed with `seal_value`, so that the trail holds ciphertext only for them."""
    model = model_instance_or_class if isinstance(model_instance_or_class, type) else type(model_instance_or_class)
    encrypted = _encrypted_field_names(model)
    person_key = trail_key(model_instance_or_class) if model is not model_instance_or_class else None
    changes = {}
    for name in sorted(set(before) | set(after), key=str):
        old, new = before.get(name), after.get(name)
        if old == new or _json_safe(old) == _json_safe(new):
            continue
        if name in encrypted:
            changes[name] = [seal_value(old, person_key), seal_value(new, person_key)]
        else:
            changes[name] = [_json_safe(old), _json_safe(new)]
    return changes


def _lock_chain(cursor):
    """Serialise appenders until the caller's transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: the transaction already holds the
    database's write lock (transaction_mode=IMMEDIATE). Either way, the unique sequence (the
    primary key) makes a fork impossible even if the lock were missing: the second writer fails.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def chain_head(cursor=None):
    """(sequence, hash) of the last event, or (0, GENESIS_HASH)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        cursor.execute(f'SELECT sequence, hash FROM {table} ORDER BY sequence DESC LIMIT 1')
        row = cursor.fetchone()
    finally:
        if own:
            cursor.close()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def _actor(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _object_ref(obj):
    if obj is None:
        return "", ""
    object_type = obj._meta.label_lower
    uid = getattr(obj, "uuid", None)
    return object_type, str(uid if uid is not None else obj.pk)


def _case_of(obj):
    if obj is None:
        return None
    if obj._meta.label_lower == "cases.case":
        return obj
    try:
        field = obj._meta.get_field("case")
    except Exception:
        return None
    # Only a case already loaded: reading it here could bypass the caller's access scope.
    if field.is_relation and field.is_cached(obj):
        return field.get_cached_value(obj)
    return None


def _under_data_key(changes, owner):
    """`changes` with every value `seal_value` sealed under the field keys — `diff` was given the model, not the
    record, as most services call it — sealed instead under `owner`'s data key (`trail_key`: its case's trail key,
    or a person's own key), as `diff` seals them when given the record: erasing the person then leaves the
    trail's copy of her case's texts unreadable in every copy too, not only the record's.
    A value is taken for sealed only when it opens with the associated data of the trail ("audit.changes"): a plain
    value that merely looks alike is left as it is."""
    from nicat.privacy import personkeys
    from nicat.privacy.crypto import PREFIX, DecryptionError, keyring

    if not any(isinstance(v, str) and v.startswith(PREFIX + ":")
               for pair in changes.values() if isinstance(pair, list) for v in pair):
        return changes
    kid = trail_key(owner)
    if not kid:
        return changes
    ring, moved = keyring(), {}
    for name, pair in changes.items():
        if not isinstance(pair, list):
            continue
        values = []
        for value in pair:
            if isinstance(value, str) and value.startswith(PREFIX + ":"):
                try:
                    value = personkeys.encrypt(kid, ring.decrypt(value, "audit.changes"), "audit.changes")
                except DecryptionError:
                    pass
            values.append(value)
        moved[name] = values
    return {**changes, **moved}


def record(*, actor, action, obj=None, case=None, institution=None, changes=None, reason="",
           details=None) -> AuditEvent:
    """Append one event to the audit trail in the caller's transaction and return it.

    `actor`: the user acting (None or AnonymousUser for the system or an anonymous attempt; put an
    attempted user name into `details`). `obj`: the model instance acted on. `case`: the case the
    action concerns (filled from `obj` when it is a case). `institution`: the institution on whose
    behalf the actor acts (instance or pk). `changes`: `{field: [old, new]}`, best built with
    `diff()`. `details`: JSON-safe extra facts, never plaintext identifying data.

    Any failure raises, so the surrounding transaction (and the action it audits) rolls back.
    """
    if not action or not isinstance(action, str):
        raise ValueError("record() needs an action such as 'case.view'.")
    actor = _actor(actor)
    object_type, object_id = _object_ref(obj)
    if case is None:
        case = _case_of(obj)
    institution_id = institution.pk if isinstance(institution, models.Model) else institution
    ctx = _request_context() or {}
    owner = obj if hasattr(obj, "trail_key_id") or hasattr(obj, "sealing_key_id") else case
    changes = _under_data_key(_json_safe(changes) or {}, owner)
    details = _json_safe(details) or {}
    fields = {
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username() if actor is not None else "",
        "institution_id": institution_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "case_reference": (getattr(case, "reference", "") or "") if case is not None else "",
        "case_uuid": str(case.uuid) if case is not None and getattr(case, "uuid", None) else "",
        "reason": reason or "",
        "ip": (ctx.get("ip") or "")[:45],
        "request_id": (ctx.get("request_id") or "")[:64],
        "changes": changes,
        "details": details,
    }
    # Nothing of the caller's to roll back with it (a read): the append is then its own transaction, the one
    # statement committed by the database as it ends — on PostgreSQL the chain's lock is held only while the
    # server appends, not while this process gets the answer back, checks it and sends COMMIT (under load,
    # waiting for the interpreter's lock behind other threads, for milliseconds in which every other append
    # waited; docs/performance.md, "The database's share of a read"); on SQLite the database's write lock
    # likewise, the statement sent in this process's write turn (nicat.core.sqlite, `write_turn`) instead of
    # BEGIN IMMEDIATE … COMMIT; the INSERT commits when _append closes its cursor, inside the turn.
    # The hash check in _append then follows the commit: a mismatch still fails the request, and `nicat
    # audit verify` names the event. The checkpoint, when due, is its own transaction (create_checkpoint),
    # so it follows the turn: the turn's lock is not re-entrant.
    alone = connection.get_autocommit() and not connection.in_atomic_block
    own = getattr(connection, "write_turn", contextlib.nullcontext)
    with own() if alone else transaction.atomic(savepoint=False):
        event = _append(fields)
    _maybe_checkpoint(event)
    return event


_INSERT_COLUMNS = ("occurred_at", "actor_id", "actor_username", "institution_id", "action", "object_type",
                   "object_id", "case_reference", "case_uuid", "reason", "ip", "request_id", "changes", "details")


def _append_sql(vendor):
    """One INSERT that reads the chain head, links to it and hashes the event in the database.

    The head is read by the statement itself, under the chain lock, so an append is one round
    trip (two statements sent together on PostgreSQL: the lock, then the INSERT). The hash is
    SHA-256 of head + prev_hash + tail + sequence + "}" — the canonical text of chain.py, whose
    two parts that depend on the place in the chain are filled in by SQL. `_append` recomputes
    the hash in Python from what the statement returns and refuses (rolls back) a mismatch, so
    the database can never store a hash that differs from the definition."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    last_seq = f"(SELECT COALESCE(MAX(sequence), 0) FROM {table})"
    last_hash = f"COALESCE((SELECT hash FROM {table} ORDER BY sequence DESC LIMIT 1), %s)"
    text = f"%s || '\"' || {last_hash} || '\"' || %s || CAST({last_seq} + 1 AS TEXT) || '}}'"
    if vendor == "postgresql":
        digest = f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"
    else:  # SQLite: SHA256() is registered by Django on every connection
        digest = f"SHA256({text})"
    columns = ", ".join(("sequence", *_INSERT_COLUMNS, "prev_hash", "hash"))
    values = ", ".join((f"{last_seq} + 1", *["%s"] * len(_INSERT_COLUMNS), last_hash, digest))
    return f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING sequence, prev_hash, hash"


def _append(fields):
    """Append the event of `fields` at the head of the chain (inside the caller's transaction)."""
    head, tail = canonical_parts(**fields)
    params = [fields[name] for name in _INSERT_COLUMNS]
    params[0] = connection.ops.adapt_datetimefield_value(fields["occurred_at"])
    params[12] = canonical_json(fields["changes"])
    params[13] = canonical_json(fields["details"])
    if connection.vendor == "postgresql":
        sequence, prev_hash, digest = _pg_append([ADVISORY_LOCK_KEY, GENESIS_HASH, *params[:14], head, tail])
    else:
        with connection.cursor() as cursor:
            cursor.execute(_append_sql(connection.vendor), params + [GENESIS_HASH, head, GENESIS_HASH, tail])
            sequence, prev_hash, digest = cursor.fetchone()
    # The text the database hashed, rebuilt from the parts sent and the place it returned (canonical_parts
    # is the definition's text split at those two places: nicat/audit/tests check both ways agree).
    expected = hashlib.sha256(f'{head}"{prev_hash}"{tail}{int(sequence)}}}'.encode()).hexdigest()
    if digest != expected:  # pragma: no cover - would mean the database changed the text
        raise RuntimeError(f"Audit append: the database hashed event {sequence} differently; nothing is written.")
    event = AuditEvent(sequence=sequence, prev_hash=prev_hash, hash=digest, **fields)
    event._state.adding = False
    event._state.db = connection.alias
    return event


_PG_APPEND = "SELECT seq, prev, digest FROM nicat_audit_append(" + ", ".join(["%s"] * 18) + ")"


def _pg_append(params):
    """One statement: the server-side function takes the lock, reads the head, links, hashes and inserts
    (migration audit 0003). Sent through the preparing cursor (nicat.core.prepared.cursor): bound on the
    server and prepared once per connection, so the server parses and plans it once and the parameters
    travel apart from the text (Django's own cursors bind on the client, quoting all 18 values into a new
    text each time). Django's error wrapper and query log apply as to its own cursors: a lost connection
    or a full disk reaches the request as django.db.OperationalError (a 503 that says so, nicat.web.views),
    never as a bare psycopg error (500)."""
    with prepared.cursor(connection.alias) as cursor:
        cursor.execute(_PG_APPEND, params)
        return cursor.fetchone()


def _request_context():
    return request_context()


_checkpointer = None


def register_checkpointer(fn):
    """`fn(sequence, hash)` signs a checkpoint every NICAT_AUDIT_CHECKPOINT_EVERY events
    (nicat.audit.checkpoints.checkpoint_after_append, registered in AuditConfig.ready(), so that
    checkpoints may use this module without this module importing them)."""
    global _checkpointer
    _checkpointer = fn
    return fn
# Per process: the wall-clock time before which no timed checkpoint can be due (saves a query per event).
_next_timed_check = 0.0


def _timed_checkpoint_due(event):
    """True when the oldest event not yet covered by a checkpoint is NICAT_AUDIT_CHECKPOINT_SECONDS old:
    events after the last checkpoint never stay unsigned longer than that (when something is appended;
    `nicat audit checkpoint` from cron covers a quiet system)."""
    global _next_timed_check
    seconds = int(getattr(settings, "NICAT_AUDIT_CHECKPOINT_SECONDS", 300) or 0)
    if seconds <= 0 or time.time() < _next_timed_check:
        return False
    last = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    first_unsigned = event.occurred_at
    if last + 1 < event.sequence:
        first_unsigned = (AuditEvent.objects.filter(sequence=last + 1).values_list("occurred_at", flat=True).first()
                          or event.occurred_at)
    age = (event.occurred_at - first_unsigned).total_seconds()
    if age >= seconds:
        _next_timed_check = time.time() + seconds
        return True
    _next_timed_check = time.time() + (seconds - age)
    return False


def _maybe_checkpoint(event):
    every = int(getattr(settings, "NICAT_AUDIT_CHECKPOINT_EVERY", 1000) or 0)
    if _checkpointer is None or not ((every > 0 and event.sequence % every == 0) or _timed_checkpoint_due(event)):
        return
    _checkpointer(event.sequence, event.hash)
