"""Model fields that encrypt in the application before a value reaches the database.

The database column is text holding `enc1:…`; Python sees the plain value. Encrypted fields
cannot be filtered or ordered on (the database sees only ciphertext): exact look-ups use blind
indexes, search decrypts in memory within the user's scope.
"""
import datetime
import json

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from nicat.privacy import crypto, personkeys
from nicat.privacy.crypto import keyring


class Sealed(str):
    """A value already sealed for the database (under a person's data key by `pre_save`)."""


class EncryptedMixin:
    """Encrypt `to_text(value)` on the way in; `from_text` after decryption on the way out."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def _context(self):
        return f"{self.model._meta.db_table}.{self.column}"

    def to_text(self, value):
        return str(value)

    def from_text(self, text):
        return text

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return str(value)
        value = self.to_python(value)
        if value in (None, "", [], {}):
            return "" if not self.null else None
        return keyring().encrypt(self.to_text(value), self._context())

    def get_db_prep_value(self, value, connection, prepared=False):
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        return self._plain(value, keyring().opener(self._context()))

    def from_db_values(self, stored_values):
        """The plain values of many stored values of this column (read with `stored()`), in order: the same
        as `from_db_value` for each, with the field keyring set up once and the person keys they need
        unwrapped in one query per 500 values instead of one per person (a system job reading a whole
        table, such as the CTDC release)."""
        stored_values = list(stored_values)
        personkeys.preload({personkeys.kid_of(v) for v in stored_values if personkeys.is_person_sealed(v)})
        open_field = keyring().opener(self._context())
        from_text, field_sealed = self.from_text, crypto.PREFIX + ":"
        return [from_text(open_field(v)) if v.__class__ is str and v.startswith(field_sealed)  # the common case
                else self._plain(v, open_field) for v in stored_values]

    def _plain(self, value, open_field):
        if value in (None, ""):
            return self.empty_value()
        if personkeys.is_person_sealed(value):
            try:
                return self.from_text(personkeys.decrypt(value, self._context()))
            except personkeys.KeyErased:
                return self.empty_value()  # the person was erased: nothing to show, never a failure
        return self.from_text(open_field(value))

    def pre_save(self, model_instance, add):
        """Seal under the row's own data key when the model has one (a person: `sealing_key_id()`);
        otherwise `get_prep_value` seals under the field keyring. QuerySet.update() and bulk_update()
        do not call pre_save: what they write is sealed under the field keys (`nicat keys rotate` moves it)."""
        value = getattr(model_instance, self.attname)
        sealing_key_id = getattr(model_instance, "sealing_key_id", None)
        if sealing_key_id is None or isinstance(value, Sealed):
            return value
        value = self.to_python(value)
        if value in (None, "", [], {}):
            return value
        kid = sealing_key_id()
        if not kid:
            return value
        return Sealed(personkeys.encrypt(kid, self.to_text(value), self._context()))

    def empty_value(self):
        return None if self.null else ""

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"Encrypted field {self.name} cannot be queried with '{lookup_name}'; use a blind index.")
        return super().get_lookup(lookup_name)


def stored(path):
    """The stored (sealed) text of an encrypted column in a query, e.g. `values_list(stored("person__birth_date"))`:
    no per-row decryption by the ORM; the caller opens the column at once with `field.from_db_values()`."""
    return Cast(path, models.TextField())


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A short text (shown as a one-line input) stored encrypted; max_length limits the plain value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
        # The ciphertext is longer than the plain value: the column is text, only the input is limited.

    def cast_db_type(self, connection):
        return models.TextField().db_type(connection)


class EncryptedDateField(EncryptedMixin, models.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def to_text(self, value):
        return value.isoformat()

    def from_text(self, text):
        return datetime.date.fromisoformat(text)

    def empty_value(self):
        return None


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON list or object (aliases, documents, contacts) stored as one encrypted value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value) if value else self.get_default()
            except json.JSONDecodeError as exc:
                raise ValidationError(_("Enter valid JSON.")) from exc
        return value

    def to_text(self, value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def from_text(self, text):
        return json.loads(text)

    def empty_value(self):
        return self.get_default()

    def value_to_string(self, obj):
        return self.to_text(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return None  # edited through purpose-built form fields, never as raw JSON
