"""Uploaded documents: checked (size, type) before anything is written, encrypted before they reach
the disk, stored under a random name.

    from nicat.privacy.storage import EncryptedFileField
    scan = EncryptedFileField(_("scan of the document"))       # in a model
    file = SafeUploadField(label=_("Scan"))                     # in a form (same checks)

The file on disk is `NICATF1\\n` + key id + AES-GCM(nonce, content) under the newest key of
NICAT_FIELD_KEYS (see nicat.privacy.crypto); `nicat keys rotate` re-seals it like any field. The file
of a record that hangs off a case (a signed consent form, the copy of an order) is sealed instead under
the data key of the case's person (`NICATF2\\n` + person key id + AES-GCM, nicat.privacy.personkeys), as
the record's texts are: erasing the person destroys that key, so the file cannot be opened in any copy
either — a backup taken before the erasure included. The name on disk is random: an original file
name ("passport_<name>.pdf") often names the victim. A model that must keep the original name stores it
in an EncryptedCharField.
"""
import contextlib
import contextvars
import os
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from nicat.privacy import personkeys
from nicat.privacy.crypto import Keyring, keyring

FILE_CONTEXT = "media.file"
# The person key the file being saved is sealed under (set by SealedFieldFile.save for one save).
_sealing_kid: contextvars.ContextVar[str | None] = contextvars.ContextVar("nicat_file_sealing_kid", default=None)

# Accepted types, recognised by their first bytes (never by the name or the browser's claim).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
ALLOWED_SUFFIXES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def max_upload_bytes():
    return int(getattr(settings, "NICAT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def sniff(head: bytes):
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def validate_upload(upload):
    """Refuse a file that is too large or not a PDF, JPEG or PNG; return its content type."""
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationError(_("The file is larger than %(mb)s MB. Scan it at a lower resolution or split it.")
                              % {"mb": f"{limit / (1024 * 1024):g}"}, code="file_too_large")
    if size == 0:
        raise ValidationError(_("The file is empty. Choose the file again."), code="file_empty")
    suffix = os.path.splitext(getattr(upload, "name", "") or "")[1].lower()
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = sniff(head)
    if detected is None or ALLOWED_SUFFIXES.get(suffix) != detected:
        raise ValidationError(_("Only PDF, JPEG and PNG files can be uploaded, and the file's name must match its "
                                "content. Save the document as PDF, JPEG or PNG and upload it again."),
                              code="file_type")
    return detected


def random_name(instance, filename):
    """A random name in a folder per model; the extension follows the checked content type."""
    suffix = os.path.splitext(filename or "")[1].lower()
    content_type = ALLOWED_SUFFIXES.get(suffix)
    ext = EXTENSIONS.get(content_type, ".bin")
    folder = instance._meta.label_lower.replace(".", "/") if instance is not None else "uploads"
    return f"{folder}/{uuid.uuid4().hex}{ext}"


@deconstructible
class EncryptedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that encrypts on save and decrypts on open (whole files; uploads are small)."""

    def _save(self, name, content):
        content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > max_upload_bytes():
            raise ValidationError(_("The file is larger than %(mb)s MB.")
                                  % {"mb": f"{max_upload_bytes() / (1024 * 1024):g}"}, code="file_too_large")
        kid = _sealing_kid.get()
        sealed = personkeys.encrypt_bytes(kid, data, FILE_CONTEXT) if kid else keyring().encrypt_bytes(data, FILE_CONTEXT)
        return super()._save(name, ContentFile(sealed))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Encrypted files are written through save(), never opened for writing.")
        with super()._open(name, "rb") as fh:
            sealed = fh.read()
        return ContentFile(_unseal(sealed, keyring()), name=name)

    def size(self, name):
        return len(self._open(name).read())

    def url(self, name):
        raise ValueError("Encrypted files have no public URL; serve them through a view that checks access.")

    def sealed_key_id(self, name):
        """The field key id the file is sealed under, or None (under a person key: `sealed_person_key`)."""
        with super()._open(name, "rb") as fh:
            return Keyring.file_key_id_of(fh.read(len(Keyring.FILE_MAGIC) + 8))

    def sealed_person_key(self, name):
        """The person key id the file is sealed under, or None."""
        with super()._open(name, "rb") as fh:
            return personkeys.file_kid_of(fh.read(len(personkeys.FILE_MAGIC) + 16))

    def reseal(self, name, person_kid=None):
        """Re-encrypt one file — under the newest field key, or under the person key `person_kid` — by an
        atomic replace: readable at every moment. A file already under a person key stays under it, unless
        `person_kid` names another person's key (its case was given to another record: a merge, an undone
        merge — nicat.privacy.rotation.reseal_cases)."""
        path = self.path(name)
        with open(path, "rb") as fh:
            sealed = fh.read()
        ring = keyring()
        under = personkeys.file_kid_of(sealed[:len(personkeys.FILE_MAGIC) + 16])
        if under and (not person_kid or under == person_kid):
            return
        data = personkeys.decrypt_bytes(sealed, FILE_CONTEXT) if under else ring.decrypt_bytes(sealed, FILE_CONTEXT)
        resealed = (personkeys.encrypt_bytes(person_kid, data, FILE_CONTEXT) if person_kid
                    else ring.encrypt_bytes(data, FILE_CONTEXT))
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(resealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _unseal(sealed, ring):
    if sealed.startswith(personkeys.FILE_MAGIC):
        return personkeys.decrypt_bytes(sealed, FILE_CONTEXT)
    return ring.decrypt_bytes(sealed, FILE_CONTEXT)


class SealedFieldFile(FieldFile):
    """Seals the file under the data key of the record's person when the record has one (`sealing_key_id`,
    nicat.core.models.CaseScopedModel), under the field keys otherwise."""

    @contextlib.contextmanager
    def _sealing(self):
        sealing = getattr(self.instance, "sealing_key_id", None)
        token = _sealing_kid.set(sealing() if sealing else None)
        try:
            yield
        finally:
            _sealing_kid.reset(token)

    def save(self, name, content, save=True):
        with self._sealing():
            super().save(name, content, save=save)

    def write(self, name, content):
        """Write `content` to the storage under `name` (or a free name near it), sealed as `save` seals it,
        without touching the row; returns the name (nicat.core.uploads)."""
        with self._sealing():
            return self.storage.save(name, content, max_length=self.field.max_length)


def encrypted_storage():
    # No explicit location: Django's storage then reads MEDIA_ROOT when it is used and follows a changed setting.
    return EncryptedFileSystemStorage(file_permissions_mode=0o600, directory_permissions_mode=0o700)


class EncryptedFileField(models.FileField):
    """A FileField whose content is encrypted at rest, checked on upload and stored under a random name."""

    attr_class = SealedFieldFile

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", encrypted_storage)
        kwargs.setdefault("upload_to", random_name)
        kwargs.setdefault("max_length", 200)
        validators = list(kwargs.pop("validators", []))
        if validate_upload not in validators:
            validators.append(validate_upload)
        super().__init__(*args, validators=validators, **kwargs)

    def deconstruct(self):
        # The upload check is part of the field, not an option: migrations never list it.
        name, path, args, kwargs = super().deconstruct()
        validators = [v for v in kwargs.pop("validators", []) if v is not validate_upload]
        if validators:
            kwargs["validators"] = validators
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SafeUploadField, **kwargs})


class SafeUploadField(forms.FileField):
    """A form field for documents: PDF, JPEG or PNG up to NICAT_UPLOAD_MAX_BYTES."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and hasattr(value, "read") and value is not initial:
            validate_upload(value)
        return value
