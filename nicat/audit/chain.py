"""Canonical serialisation of an audit event and its SHA-256.

The canonical form is the sorted-key JSON object (no whitespace, UTF-8, as
`json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes it) of

    action, actor_id, actor_username, case_reference, case_uuid, changes, details,
    institution_id, ip, object_id, object_type, occurred_at, prev_hash, reason,
    request_id, sequence

with `occurred_at` as UTC ISO 8601 with microseconds (`2026-01-02T03:04:05.000006Z`),
`actor_id`/`institution_id`/`sequence` as integers (or null), every other field as a JSON string,
and `changes`/`details` as the JSON string of their stored canonical JSON text (nested, so that
no field's content can ever be read as part of another field: the serialisation is injective).
hash = sha256(canonical form).hexdigest(); the first event's prev_hash is 64 zeros.

The same text is produced here by string formatting (the verifier checks hundreds of thousands
of events a second); tests assert that it equals the `json.dumps` definition above.
"""
import datetime
import hashlib
import json
from json.encoder import encode_basestring as _q

__all__ = ["GENESIS_HASH", "TEMPLATE", "canonical_json", "canonical_text", "canonical_parts", "canonical_bytes",
           "event_hash", "format_time"]

GENESIS_HASH = "0" * 64


def canonical_json(value, ascii=True) -> str:
    """Sorted keys, no whitespace (ASCII only unless ascii=False)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii)


FIELDS = ("action", "actor_id", "actor_username", "case_reference", "case_uuid", "changes", "details",
          "institution_id", "ip", "object_id", "object_type", "occurred_at", "prev_hash", "reason",
          "request_id", "sequence")

# %s slots in FIELDS order; strings are pre-quoted, integers formatted, sequence last.
TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in FIELDS) + "}"

_UTC = datetime.timezone.utc


def format_time(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _n(value):
    return "null" if value is None else str(int(value))


def reference_canonical_text(**fields) -> str:
    """The definition, written plainly (slow); tests check canonical_text against it."""
    obj = dict(fields)
    if not isinstance(obj["occurred_at"], str):
        obj["occurred_at"] = format_time(obj["occurred_at"])
    obj["changes"] = canonical_json(obj["changes"])
    obj["details"] = canonical_json(obj["details"])
    return canonical_json(obj, ascii=False)


def canonical_text(*, sequence, occurred_at, actor_id, actor_username, institution_id, action, object_type,
                   object_id, case_reference, case_uuid, reason, ip, request_id, changes, details,
                   prev_hash) -> str:
    """`occurred_at` is a datetime or an already formatted string; `changes`/`details` are Python values."""
    if not isinstance(occurred_at, str):
        occurred_at = format_time(occurred_at)
    return TEMPLATE % (
        _q(action), _n(actor_id), _q(actor_username), _q(case_reference), _q(case_uuid),
        _q(canonical_json(changes)), _q(canonical_json(details)), _n(institution_id), _q(ip), _q(object_id),
        _q(object_type), _q(occurred_at), _q(prev_hash), _q(reason), _q(request_id), int(sequence),
    )


def canonical_parts(*, occurred_at, actor_id, actor_username, institution_id, action, object_type, object_id,
                    case_reference, case_uuid, reason, ip, request_id, changes, details) -> tuple[str, str]:
    """The canonical text of an event whose place in the chain is not known yet, as (head, tail):

        canonical_text(...) == head + '"' + prev_hash + '"' + tail + str(sequence) + "}"

    (prev_hash is hexadecimal, so its JSON string is itself in quotes). The append computes the
    hash in the INSERT statement that reads the chain head, in one round trip."""
    if not isinstance(occurred_at, str):
        occurred_at = format_time(occurred_at)
    # \x00 and \x01 mark the two open slots: every other value passes through the JSON quoting,
    # which escapes control characters, so neither can occur anywhere else in the text.
    text = TEMPLATE % (
        _q(action), _n(actor_id), _q(actor_username), _q(case_reference), _q(case_uuid),
        _q(canonical_json(changes)), _q(canonical_json(details)), _n(institution_id), _q(ip), _q(object_id),
        _q(object_type), _q(occurred_at), "\x00", _q(reason), _q(request_id), "\x01",
    )
    head, rest = text.split("\x00")
    tail, end = rest.split("\x01")
    assert end == "}"
    return head, tail


def canonical_bytes(event) -> bytes:
    return canonical_text(
        sequence=event.sequence, occurred_at=event.occurred_at, actor_id=event.actor_id,
        actor_username=event.actor_username, institution_id=event.institution_id, action=event.action,
        object_type=event.object_type, object_id=event.object_id, case_reference=event.case_reference,
        case_uuid=event.case_uuid, reason=event.reason, ip=event.ip, request_id=event.request_id,
        changes=event.changes, details=event.details, prev_hash=event.prev_hash,
    ).encode("utf-8")


def event_hash(event) -> str:
    return hashlib.sha256(canonical_bytes(event)).hexdigest()
