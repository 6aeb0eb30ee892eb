"""One click is one record: one-time submission tokens (pages) and `Idempotency-Key` (API).

A double click, a browser that sends a slow form again, an API client that retries after a timeout: the
same request arrives twice. Every form that creates a record carries a one-time token (`{% submission_token
%}`, a random hidden field); an API client may send an `Idempotency-Key` header on a POST. The first request
with a key claims it — a row of `Submission`, unique on a keyed digest of (channel, user, key), written in
the same transaction as the record it creates, so a rolled-back change forgets its claim — and the row
remembers where the answer pointed (the page it redirected to; the created record's type and id). The same
key from the same user again creates nothing: `Repeated` carries the first answer's row. Sent with other
content (a keyed digest of the body, never the body), it is `Mismatch`. A concurrent second request with
the same key waits on the unique index until the first commits, then finds it: exactly one record.

Keys are scoped by user (another user's identical key is another key: nothing of the first user's answer
is reachable by guessing it). Rows are kept `KEEP_HOURS` (the periodic job `core.submissions.expire`).

This layer imports no other Nicat app: the page helper (nicat.core.pages) and the API base viewset
(nicat.core.viewsets) call it."""
import datetime
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.core.models import Submission

FIELD = "nicat_submission"  # the hidden field of a page form
HEADER = "Idempotency-Key"  # the API's request header
MAX_KEY_LENGTH = 255
KEEP_HOURS = 24


class Repeated(Exception):
    """The key was used before by this user for the same request: `row` says what the first answer was."""

    def __init__(self, row):
        super().__init__("repeated submission")
        self.row = row

    @property
    def message(self):
        return _("This was already saved.")


class Mismatch(Exception):
    """The key was used before by this user for a different request."""

    def __init__(self, row):
        super().__init__("key reused for another request")
        self.row = row


def new_token():
    """A fresh random token for a form (random only: nothing about the user, the case or the time)."""
    return secrets.token_urlsafe(24)


def _keyed(purpose, text):
    key = hashlib.sha256(f"nicat.submissions.{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def key_digest(user, channel, key):
    return _keyed("key", f"{channel}\x00{user.pk if user is not None else ''}\x00{key}")


def body_digest(method, path, content):
    """A keyed digest of what was asked (the method, the path and a canonical form of the body): enough to
    tell a different request under a reused key, never enough to read the body back."""
    canonical = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return _keyed("body", f"{method}\x00{path}\x00{canonical}")


def claim(user, channel, key, digest):
    """The row of this (user, channel, key), new — or `Repeated`/`Mismatch` when it was used before.
    Call inside the transaction of the change it answers."""
    mine = key_digest(user, channel, key)
    try:
        with transaction.atomic():
            return Submission.objects.create(key_digest=mine, body_digest=digest)
    except IntegrityError:
        row = Submission.objects.filter(key_digest=mine).first()
        if row is None:  # the other request rolled back between our insert and this read: try once more
            with transaction.atomic():
                return Submission.objects.create(key_digest=mine, body_digest=digest)
        if not hmac.compare_digest(row.body_digest, digest):
            raise Mismatch(row) from None
        raise Repeated(row) from None


# --- pages ------------------------------------------------------------------------------------------------

def page_token(request):
    """The one-time token the POST carries (None when the form carries none: nothing to remember)."""
    token = request.POST.get(FIELD) if request.method == "POST" else None
    if not token or len(token) > MAX_KEY_LENGTH or request.user is None or not request.user.is_authenticated:
        return None
    return token


def page_body(request):
    """What the form sent, for the digest only: its fields (not the tokens) and its files' names and sizes."""
    fields = {k: request.POST.getlist(k) for k in request.POST if k not in (FIELD, "csrfmiddlewaretoken")}
    files = {k: [(f.name, f.size) for f in request.FILES.getlist(k)] for k in request.FILES}
    return body_digest("POST", request.path, {"fields": fields, "files": files})


def run_once(user, channel, key, digest, call, finish):
    """`call()` under the claim of (user, channel, key) — one transaction for the claim and the change — then
    `finish(row, result)` notes on the row what the answer was (False: nothing worth repeating, the claim is
    given up). `Repeated`/`Mismatch` when the key was used before (nothing called).

    A call that fails gives its claim up but keeps what it had written, exactly as without a key (a change
    filed for a supervisor's approval raises after the request was written; a refusal may be audited): the
    error is raised again after the commit."""
    failure = None
    with transaction.atomic():
        row = claim(user, channel, key, digest)
        try:
            result = call()
        except Exception as error:  # noqa: BLE001 - raised again below, after the claim is given up
            failure = error
            _give_up(row)
        else:
            if not finish(row, result):
                _give_up(row)
    if failure is not None:
        raise failure
    return result


def _give_up(row):
    try:
        with transaction.atomic():
            row.delete()
    except DatabaseError:  # the call left the transaction unusable: roll it all back, as its error would have
        transaction.set_rollback(True)


def once(request, call, *, location):
    """`call()` once per one-time token of the POSTed form, in one transaction with the token's row; its result.
    `location(result)` is where the answer goes (a path or a URL name), remembered for a repeat.
    Raises `Repeated` (its `row.location`) or `Mismatch` for a token used before; without a token, just
    `call()`."""
    token = page_token(request)
    if token is None:
        return call()

    def finish(row, result):
        row.location = resolve_url(location(result))[:500]
        row.status = 302
        row.save(update_fields=["location", "status"])
        return True

    return run_once(request.user, "web", token, page_body(request), call, finish)


def once_anonymous(request, key, call):
    """`call()` once per `key` of an anonymous form (the public "ask for help": no user, no session, no cookie
    to scope by). The key must be one the server made and signed into the form (a random nonce, unguessable and
    unforgeable); the answer to every sender is the same page, so a repeat reaches nothing of anyone's. The same
    form sent again calls nothing and returns None; sent again with other content (the sender went back and
    wrote more), it is another request and is carried out."""
    digest = page_body(request)
    try:
        return run_once(None, "public", key, digest, call, lambda row, result: True)
    except Repeated:
        return None
    except Mismatch:
        return call()


# --- the API -----------------------------------------------------------------------------------------------

def _file(upload):
    """A file sent with a request, for the digest: its name, size and a SHA-256 of its content (another file
    of the same name and size under a reused key is another request — an HTCDS import of other people)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return (upload.name, upload.size, digest.hexdigest())


def api_content(data):
    """The parsed body of an API request as plain data for the digest (files by name, size and content digest)."""
    if hasattr(data, "getlist"):
        return {k: [_file(v) if hasattr(v, "chunks") else v for v in data.getlist(k)] for k in data}
    return data


def remember_answer(row, response):
    """Note on `row` the status and the record(s) of a successful API answer (a serializer's `data`: its
    instance or list of instances) — never the body. False when there is nothing to repeat."""
    if not 200 <= response.status_code < 300:
        return False
    serializer = getattr(response.data, "serializer", None)
    if serializer is None:
        return False
    child = getattr(serializer, "child", None)
    instances = list(serializer.instance) if child is not None else [serializer.instance]
    if not instances or any(getattr(obj, "pk", None) is None for obj in instances):
        return False
    cls = type(child if child is not None else serializer)
    ids = ",".join(str(obj.pk) for obj in instances)
    if len(ids) > 500 or len({obj._meta.label_lower for obj in instances}) != 1:
        return False
    row.status = response.status_code
    row.object_type = instances[0]._meta.label_lower
    row.object_ids = ids
    row.serializer = f"{cls.__module__}.{cls.__qualname__}" + ("[]" if child is not None else "")  # "[]": a list
    row.save(update_fields=["status", "object_type", "object_ids", "serializer"])
    return True


def repeated_records(row, user):
    """(the records of the first answer that `user` may still see, the serializer class, many) — re-read
    now, for the current reader; None when they cannot be shown again."""
    from django.apps import apps
    from django.utils.module_loading import import_string
    from rest_framework.serializers import BaseSerializer

    from nicat.core.models import ScopedManager

    many = row.serializer.endswith("[]")
    try:
        model = apps.get_model(row.object_type)
        cls = import_string(row.serializer.removesuffix("[]"))
    except (LookupError, ImportError, ValueError):
        return None
    if not (isinstance(cls, type) and issubclass(cls, BaseSerializer)):
        return None
    manager = model._default_manager
    rows = manager.visible_to(user) if isinstance(manager, ScopedManager) else manager.all()
    ids = [pk for pk in row.object_ids.split(",") if pk]
    found = {str(obj.pk): obj for obj in rows.filter(pk__in=ids)}
    if len(found) != len(ids):
        return None
    return [found[pk] for pk in ids], cls, many


# --- the periodic cleanup ---------------------------------------------------------------------------------

def expire(now=None):
    """Forget the submissions older than `KEEP_HOURS` (a form or a retry older than that is a new one)."""
    now = now or timezone.now()
    deleted, _rows = Submission.objects.filter(created_at__lt=now - datetime.timedelta(hours=KEEP_HOURS)).delete()
    return {"expired": deleted}
