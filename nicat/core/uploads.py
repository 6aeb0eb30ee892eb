"""Storing an uploaded file with a database row, all or nothing — also when the disk is full.

Django's FieldFile.save leaves what it managed to write when the disk fills up (FileSystemStorage has
no temporary file) and raises an OSError that becomes a 500. Here:

    with uploads.kept_if_committed() as stored:
        with transaction.atomic():
            stored(row.signed_form, "consent.pdf", content, field="signed_form")
            row.save(); audit.record(...)

* the file is written under its (random) name; a disk that is full, a quota, an I/O error: the part
  written is removed and a ValidationError on `field` says so in words (the form is shown again with
  what the person typed);
* if anything after it fails (the row, the audit, the commit), the stored file is removed too: no file
  without its row, no row pointing at a missing or partial file."""
import errno
import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger("nicat.uploads")
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _storage_error(exc, field):
    if exc.errno in FULL:
        message = _("There is no room left to store files on the server. Nothing was saved; what you typed "
                    "is kept below. Tell your administrator, then choose the file again and save.")
    else:
        message = _("The file could not be stored on the server. Nothing was saved; what you typed is kept "
                    "below. Try again; if it happens again, tell your administrator.")
    # The kind of error only: never the file's name or content.
    logger.error("Upload not stored (%s, %s): nothing saved.", field, errno.errorcode.get(exc.errno, exc.errno))
    return ValidationError({field: message}, code="storage_full" if exc.errno in FULL else "storage_error")


@contextmanager
def kept_if_committed():
    """Yields store(fieldfile, filename, content, field=...) — see the module's docstring."""
    saved = []

    def store(fieldfile, filename, content, *, field):
        name = fieldfile.field.generate_filename(fieldfile.instance, filename)
        try:
            write = getattr(fieldfile, "write", None)  # a sealed file (nicat.privacy.storage) picks its key
            name = (write(name, content) if write is not None
                    else fieldfile.storage.save(name, content, max_length=fieldfile.field.max_length))
        except OSError as exc:
            _discard(fieldfile.storage, name)  # what was written before the disk filled up
            raise _storage_error(exc, field) from None
        saved.append((fieldfile.storage, name))
        fieldfile.name = name
        fieldfile._set_instance_attribute(name, content)  # as FieldFile.save does
        fieldfile._committed = True
        return name

    try:
        yield store
    except BaseException:
        for storage, name in saved:
            _discard(storage, name)
        raise


def _discard(storage, name):
    try:
        storage.delete(name)
    except OSError:  # pragma: no cover - already gone, or the disk refuses even that: logged for the operator
        logger.warning("A partial upload could not be removed; `nicat` will not point at it.")
