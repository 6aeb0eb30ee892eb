"""Helpers every service shares: require a visible object, the one optimistic-lock check, the audit
snapshot. Plain functions over any model; they import no other Nicat app (the visibility rule is the
model's own scoped manager, `Model.objects.visible_to(user)`)."""
from collections.abc import Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.models import ScopedManager

VERSION_MISSING = _("Give the version of the record you read, so that no one else's change is overwritten.")


def require_visible(actor, obj, model=None):
    """`obj` must be visible to `actor` through its model's scoped manager (else NotAllowed, answered as
    404 so that existence does not leak). `model` when the object's class is not the scoped one."""
    if obj is None or obj.pk is None:
        raise NotAllowed
    model = model or type(obj)
    if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotAllowed


def expected_version(value, field="version"):
    """The version the user read, as an int — a missing or malformed one is a ValidationError on
    `field` (a 400 in the API, a field error on a page), never a silent overwrite."""
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: VERSION_MISSING}, code="version_missing") from None


def check_version(current, given, field="version"):
    """For a row already locked (select_for_update): the version the user read must be the current one."""
    if expected_version(given, field) != current:
        raise ConcurrentEdit()


def bump_version(model, obj, given, field="version", **still):
    """Optimistic lock: move the row from the version the user read to the next one in one UPDATE, or
    raise ConcurrentEdit. `still` adds conditions the row must still meet (e.g. status=DRAFT). Sets
    `obj.version` to the new value. Call inside the transaction that writes the change."""
    given = expected_version(given, field)
    manager = model.objects
    same_row = manager.row(obj) if isinstance(manager, ScopedManager) else manager.filter(pk=obj.pk)
    if not same_row.filter(version=given, **still).update(version=F("version") + 1):
        raise ConcurrentEdit()
    obj.version = given + 1
    return obj.version


def edit_stamp(obj):
    """A keyed fingerprint of the values a record has stored (every concrete column), for a form over a model
    without a version column (the administrators' directory and vocabularies): the form keeps the stamp of
    what it showed, and `check_stamp` refuses the save when the stored record no longer has it. Keyed
    (HMAC with the secret key), so the page does not carry a digest of the values anyone could test guesses
    against."""
    import json

    from django.utils.crypto import salted_hmac

    values = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}
    text = json.dumps(values, sort_keys=True, default=str)
    return salted_hmac("nicat.core.edit_stamp", text, algorithm="sha256").hexdigest()[:32]


def check_stamp(stored, given, field="edit_stamp"):
    """For a row already locked (select_for_update): the stamp the form read (`edit_stamp`) must be that of
    the stored record — a missing one is a ValidationError on `field`, a different one ConcurrentEdit."""
    if not given:
        raise ValidationError({field: VERSION_MISSING}, code="version_missing")
    if given != edit_stamp(stored):
        raise ConcurrentEdit()


def snapshot(obj, fields):
    """{field: value} of `obj` (a model instance or a mapping) for the audit diff. A related object
    becomes its stable code, else its uuid, else its primary key — never a name."""
    out = {}
    for f in fields:
        value = obj.get(f) if isinstance(obj, Mapping) else getattr(obj, f)
        if hasattr(value, "_meta"):
            value = getattr(value, "code", None) or str(getattr(value, "uuid", None) or value.pk)
        out[f] = value
    return out


@contextmanager
def atomic_edit(*objs):
    """transaction.atomic() that also puts the in-memory objects back as they were when it rolls back,
    so a refused change leaves the caller's object (its version above all) matching the database."""
    saved = [(obj, {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}) for obj in objs]
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for obj, values in saved:
            for name, value in values.items():
                setattr(obj, name, value)
        raise
