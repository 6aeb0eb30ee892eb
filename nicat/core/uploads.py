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
  without its row, no row pointing at a missing or partial file.

`HeldInMemory` (settings.FILE_UPLOAD_HANDLERS) receives every uploaded file: in memory, never in a plain
temporary file on disk."""
import errno
import logging
from contextlib import contextmanager
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
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


class HeldInMemory(FileUploadHandler):
    """Every uploaded file is held in memory, never spooled to a temporary file on disk.

    Django's default handlers write a file larger than 2.5 MB to a plain temporary file while the request
    runs — a court order naming a victim, or an HTCDS file of a thousand persons, in clear on the server's
    disk, and left there if the worker is killed. Here a file is kept in memory up to one byte more than the
    largest file Nicat accepts anywhere (`NICAT_UPLOAD_HOLD_BYTES`); the rest of a larger one is read and
    dropped, and its `size` is what was sent, so every check (`size` or the length of what it reads) refuses
    it with its own message. Memory per request stays bounded whatever a client sends."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.received = 0
        self.room = int(settings.NICAT_UPLOAD_HOLD_BYTES)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.room > 0:
            self.file.write(raw_data[:self.room])
            self.room -= min(len(raw_data), self.room)
        return None  # consumed: no handler after this one sees the bytes

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(file=self.file, field_name=self.field_name, name=self.file_name,
                                    content_type=self.content_type, size=self.received, charset=self.charset,
                                    content_type_extra=self.content_type_extra)
